import { EnvelopeScanner, type Envelope } from './envelope.js';

/**
 * What the splitter found in the byte stream: a whole line (without `\n` and without one trailing
 * `\r`); a long line kept as the chunks it came in, with the envelope read while they arrived; or
 * a line longer than the limit, whose bytes were scanned and dropped as they came.
 */
export type Frame =
  | { kind: 'line'; bytes: Buffer }
  | { kind: 'scanned'; chunks: Buffer[]; size: number; envelope: Envelope }
  | { kind: 'oversize'; size: number; envelope: Envelope };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface SplitterOptions {
  /** longer lines are dropped as they pass (an `oversize` frame) */
  maxLineBytes: number;
  /**
   * Longer lines are scanned for their envelope chunk by chunk and handed over as those chunks
   * (a `scanned` frame), never joined: a 16 MB answer is neither parsed nor copied. Without it,
   * every line within the limit is joined.
   */
  scanAboveBytes?: number;
}

/**
 * Splits a byte stream on `\n` only. A line is kept as a list of chunks and joined once, when its
 * newline arrives, and only the new chunk is searched: a 50 MB line costs one copy, not one per
 * chunk (none at all above `scanAboveBytes`).
 */
export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly scanAboveBytes: number;
  private chunks: Buffer[] = [];
  private length = 0;
  private scanner: EnvelopeScanner | undefined;
  private dropping = false;

  constructor(options: SplitterOptions) {
    this.maxLineBytes = options.maxLineBytes;
    this.scanAboveBytes = Math.min(options.scanAboveBytes ?? Infinity, options.maxLineBytes);
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(start, end));
      if (newline === -1) break;
      frames.push(this.takeLine());
      start = newline + 1;
    }
    return frames;
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): Frame[] {
    return this.length > 0 || this.scanner ? [this.takeLine()] : [];
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    this.length += piece.length;
    if (this.scanner) {
      this.scanner.feed(piece);
      if (this.dropping) return;
    }
    this.chunks.push(piece);
    if (this.length <= this.scanAboveBytes) return;
    if (this.scanner === undefined) {
      this.scanner = new EnvelopeScanner();
      for (const held of this.chunks) this.scanner.feed(held);
    }
    if (this.length > this.maxLineBytes) {
      this.dropping = true;
      this.chunks = [];
    }
  }

  private takeLine(): Frame {
    const size = this.length;
    const { scanner, chunks, dropping } = this;
    this.chunks = [];
    this.length = 0;
    this.scanner = undefined;
    this.dropping = false;
    if (scanner && dropping) return { kind: 'oversize', size, envelope: scanner.finish() };
    if (scanner) {
      const trimmed = withoutCarriageReturn(chunks);
      return { kind: 'scanned', chunks, size: trimmed ? size - 1 : size, envelope: scanner.finish() };
    }
    let bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    return { kind: 'line', bytes };
  }
}

/** Drops one `\r` ending the last chunk (the chunks are never empty); true if there was one. */
function withoutCarriageReturn(chunks: Buffer[]): boolean {
  const last = chunks[chunks.length - 1];
  if (last === undefined || last[last.length - 1] !== CARRIAGE_RETURN) return false;
  if (last.length === 1) chunks.pop();
  else chunks[chunks.length - 1] = last.subarray(0, last.length - 1);
  return true;
}

/** A scanned line as one buffer, for the rare answer that must be parsed or rewritten after all. */
export function joinChunks(frame: { chunks: Buffer[]; size: number }): Buffer {
  return frame.chunks.length === 1 ? frame.chunks[0]! : Buffer.concat(frame.chunks, frame.size);
}
