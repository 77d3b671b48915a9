import { firstBytes, lastBytes } from './chunks.js';
import { trailingIdSpan } from './envelope-tail.js';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE, isJsonSpace } from './json-bytes.js';

/** Where a message's top-level `id` value is in its line: [start, end). */
export type IdSpan = readonly [start: number, end: number];

/**
 * The span of the top-level `id` value, read forward from the start of `bytes` (a whole line or
 * its first bytes). Undefined when the bytes end before one is found. Servers that write `id`
 * first (most) are answered after a few bytes; nested members named `id` are skipped.
 */
export function leadingIdSpan(bytes: Buffer): IdSpan | undefined {
  let depth = 0;
  let expectKey = false;
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end === -1) return undefined;
      if (expectKey && depth === 1 && isIdKey(bytes, i, end)) return valueSpan(bytes, end + 1);
      expectKey = false;
      i = end + 1;
      continue;
    }
    if (byte === OPEN_OBJECT) {
      depth += 1;
      expectKey = true;
    } else if (byte === OPEN_ARRAY) {
      depth += 1;
      expectKey = false;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
    else if (byte === COMMA) expectKey = true;
    i += 1;
  }
  return undefined;
}

/**
 * The line with the value at `span` replaced by `id` (as JSON; a string of JSON text when given as
 * `{ json }`); `body` is one buffer or a line's chunks.
 */
export function spliceId(body: Buffer | readonly Buffer[], span: IdSpan, id: string | number | { json: string }): Buffer[] {
  const replacement = Buffer.from(typeof id === 'object' ? id.json : JSON.stringify(id), 'utf8');
  const chunks = Buffer.isBuffer(body) ? [body] : body;
  const out: Buffer[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const start = offset;
    const end = offset + chunk.length;
    offset = end;
    if (end <= span[0] || start >= span[1]) {
      out.push(chunk);
      continue;
    }
    if (start < span[0]) out.push(chunk.subarray(0, span[0] - start));
    if (start <= span[0] && span[0] < end) out.push(replacement);
    if (end > span[1]) out.push(chunk.subarray(span[1] - start));
  }
  return out;
}

/** A line held as one buffer with its id replaced. */
export function replaceId(line: Buffer, span: IdSpan, id: string | number | { json: string }): Buffer {
  return withId(line, span, id, 0);
}

/**
 * replaceId with the line's `\n` after it: the bytes to write, made in one allocation and one
 * pass, where the line and its newline would otherwise be copied twice.
 */
export function lineWithId(line: Buffer, span: IdSpan, id: string | number | { json: string }): Buffer {
  const out = withId(line, span, id, 1);
  out[out.length - 1] = 0x0a;
  return out;
}

/** A line held as one buffer or as chunks, with its id replaced: what a relay side writes (see lineWithId). */
export function bodyWithId(body: Buffer | readonly Buffer[], span: IdSpan, id: string | number | { json: string }): Buffer | Buffer[] {
  return Buffer.isBuffer(body) ? lineWithId(body, span, id) : spliceId(body, span, id);
}

function withId(line: Buffer, span: IdSpan, id: string | number | { json: string }, extra: number): Buffer {
  const text = typeof id === 'object' ? id.json : JSON.stringify(id);
  const idBytes = Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(line.length - (span[1] - span[0]) + idBytes + extra);
  line.copy(out, 0, 0, span[0]);
  out.write(text, span[0]);
  line.copy(out, span[0] + idBytes, span[1]);
  return out;
}

/** The bytes at `span` of a line held as one buffer or as chunks. */
export function textAt(body: Buffer | readonly Buffer[], span: IdSpan): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8', span[0], span[1]);
  const chunks = body;
  const parts: Buffer[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const start = offset;
    offset += chunk.length;
    if (offset <= span[0] || start >= span[1]) continue;
    parts.push(chunk.subarray(Math.max(0, span[0] - start), Math.min(chunk.length, span[1] - start)));
  }
  return Buffer.concat(parts).toString('utf8');
}

function isIdKey(bytes: Buffer, open: number, close: number): boolean {
  if (close - open === 3) return bytes[open + 1] === 0x69 && bytes[open + 2] === 0x64;
  // An escaped spelling of "id" (rare): decoded to be sure.
  const escape = bytes.indexOf(BACKSLASH, open);
  if (escape === -1 || escape > close) return false;
  try {
    return JSON.parse(bytes.toString('utf8', open, close + 1)) === 'id';
  } catch {
    return false;
  }
}

/** After a member name: the span of its value when it is a string or a scalar. */
function valueSpan(bytes: Buffer, from: number): IdSpan | undefined {
  let i = from;
  while (i < bytes.length && isJsonSpace(bytes[i]!)) i += 1;
  if (bytes[i] !== COLON) return undefined;
  i += 1;
  while (i < bytes.length && isJsonSpace(bytes[i]!)) i += 1;
  if (i >= bytes.length) return undefined;
  if (bytes[i] === QUOTE) {
    const end = stringEnd(bytes, i);
    return end === -1 ? undefined : [i, end + 1];
  }
  let end = i;
  while (end < bytes.length && !isJsonSpace(bytes[end]!) && bytes[end] !== COMMA && bytes[end] !== CLOSE_OBJECT) end += 1;
  return end === bytes.length || end === i ? undefined : [i, end];
}

/** The closing quote of the string opening at `open`, or -1 when the bytes end first. */
function stringEnd(bytes: Buffer, open: number): number {
  for (let i = open + 1; i < bytes.length; i += 1) {
    const byte = bytes[i]!;
    if (byte === BACKSLASH) i += 1;
    else if (byte === QUOTE) return i;
  }
  return -1;
}

/** Bytes read from each end of a long line to find its id (see framing.ts: the same windows). */
const END_BYTES = 64 * 1024;

/**
 * The span of the top-level `id` of a whole line, held as one buffer or as chunks: from its first
 * bytes forward, else (a long line whose id comes after its large member) from its last bytes back.
 */
export function idSpanOfLine(body: Buffer | readonly Buffer[], size: number): IdSpan | undefined {
  const chunks = Buffer.isBuffer(body) ? [body] : body;
  const leading = leadingIdSpan(firstBytes(chunks, END_BYTES));
  if (leading !== undefined || size <= END_BYTES) return leading;
  const tail = lastBytes(chunks, END_BYTES);
  const trailing = trailingIdSpan(tail);
  const shift = size - tail.length;
  return trailing && [trailing[0] + shift, trailing[1] + shift];
}
