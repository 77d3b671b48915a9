/** A long line held as the chunks it came in: its ends, read without joining the whole of it. */

/** The first `bytes` bytes of the chunks (all of them if fewer), as one buffer. */
export function firstBytes(chunks: readonly Buffer[], bytes: number): Buffer {
  const first = chunks[0] ?? Buffer.alloc(0);
  if (first.length >= bytes || chunks.length === 1) return first.subarray(0, bytes);
  const parts: Buffer[] = [];
  let size = 0;
  for (const chunk of chunks) {
    if (size >= bytes) break;
    parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

/** The last `bytes` bytes of the chunks (all of them if fewer), as one buffer. */
export function lastBytes(chunks: readonly Buffer[], bytes: number): Buffer {
  let first = chunks.length;
  let size = 0;
  while (first > 0 && size < bytes) {
    first -= 1;
    size += chunks[first]!.length;
  }
  const tail = first === chunks.length - 1 ? chunks[first]! : Buffer.concat(chunks.slice(first), size);
  return tail.length > bytes ? tail.subarray(tail.length - bytes) : tail;
}
