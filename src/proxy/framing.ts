import { EnvelopeScanner, type Envelope } from './envelope.js';

/**
 * What the splitter found in the byte stream: a whole line (without `\n` and without one trailing
 * `\r`), or a line longer than the limit, whose bytes were scanned and dropped as they came.
 */
export type Frame = { kind: 'line'; bytes: Buffer } | { kind: 'oversize'; size: number; envelope: Envelope };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream on `\n` only. A line is kept as a list of chunks and joined once, when its
 * newline arrives, and only the new chunk is searched: a 50 MB line costs one copy, not one per
 * chunk. A line that grows past `maxLineBytes` is not buffered any further: its bytes go through
 * an envelope scanner (to learn its id) and are dropped.
 */
export class LineSplitter {
  private readonly maxLineBytes: number;
  private chunks: Buffer[] = [];
  private length = 0;
  private oversize: EnvelopeScanner | undefined;

  constructor(options: { maxLineBytes: number }) {
    this.maxLineBytes = options.maxLineBytes;
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
    return this.length > 0 || this.oversize ? [this.takeLine()] : [];
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    this.length += piece.length;
    if (this.oversize) {
      this.oversize.feed(piece);
      return;
    }
    this.chunks.push(piece);
    if (this.length > this.maxLineBytes) {
      this.oversize = new EnvelopeScanner();
      for (const held of this.chunks) this.oversize.feed(held);
      this.chunks = [];
    }
  }

  private takeLine(): Frame {
    const size = this.length;
    const scanner = this.oversize;
    const chunks = this.chunks;
    this.chunks = [];
    this.length = 0;
    this.oversize = undefined;
    if (scanner) return { kind: 'oversize', size, envelope: scanner.finish() };
    let bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    return { kind: 'line', bytes };
  }
}
