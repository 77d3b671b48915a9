import { readTail, joinEnvelope } from './envelope-tail.js';
import { EnvelopeScanner, type Envelope } from './envelope.js';
import { LongShapeScanner } from './long-shape.js';
import { ShapeScanner, type Shape } from './shape.js';
import { lastBytes } from './chunks.js';

/**
 * What the splitter found in the byte stream: a whole line (without `\n` and without one trailing
 * `\r`); a long line kept as the chunks it came in, with the envelope read while they arrived; or
 * a line longer than the limit, whose bytes were scanned and dropped as they came.
 */
export type Frame =
  | { kind: 'line'; bytes: Buffer; shape?: Shape }
  | { kind: 'scanned'; chunks: Buffer[]; size: number; envelope: Envelope; shape?: Shape }
  | { kind: 'oversize'; size: number; envelope: Envelope };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/**
 * A long line's envelope is read from its first and last bytes: this many at each end. A large
 * answer is one large member (`result`) between small ones, so reading the ends is enough; when
 * they do not tell, the whole line is scanned.
 */
const HEAD_BYTES = 64 * 1024;
/** Lines up to this long have their shape read in JavaScript; longer ones with WebAssembly SIMD. */
const SIMD_SHAPE_ABOVE_BYTES = 1024;
const TAIL_BYTES = 64 * 1024;

export interface SplitterOptions {
  /** longer lines are dropped as they pass (an `oversize` frame) */
  maxLineBytes: number;
  /**
   * Longer lines are handed over as the chunks they came in (a `scanned` frame), never joined,
   * with their envelope read from their two ends: a 16 MB answer is neither parsed, copied nor
   * read byte by byte. Without it, every line within the limit is joined.
   */
  scanAboveBytes?: number;
  /** read every line's shape (nesting, stray line boundaries) as its bytes arrive */
  shape?: boolean;
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
  /** reads the line's first bytes once it is long; every byte of it once it is over the limit */
  private scanner: EnvelopeScanner | undefined;
  private scanned = 0;
  private dropping = false;
  /** reads each line's shape; once a line is long, `longShape` takes over from its first byte */
  private shape: ShapeScanner | LongShapeScanner | undefined;
  private readonly shortShape: ShapeScanner | undefined;
  private longShape: LongShapeScanner | undefined;

  constructor(options: SplitterOptions) {
    this.maxLineBytes = options.maxLineBytes;
    this.shortShape = this.shape = options.shape ? new ShapeScanner() : undefined;
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
    if (this.dropping) {
      this.scanner!.feed(piece);
      return;
    }
    this.chunks.push(piece);
    if (this.shape === this.shortShape && this.length > SIMD_SHAPE_ABOVE_BYTES) this.readShapeAsLong();
    else this.shape?.feed(piece);
    if (this.length <= this.scanAboveBytes) return;
    if (this.length > this.maxLineBytes) {
      // Its bytes are let go as they come, so the envelope must be read from every one of them.
      this.dropping = true;
      this.scanner = new EnvelopeScanner();
      for (const held of this.chunks) this.scanner.feed(held);
      this.chunks = [];
      return;
    }
    if (this.scanner === undefined) {
      this.scanner = new EnvelopeScanner();
      for (const held of this.chunks) this.scanHead(held);
    } else this.scanHead(piece);
  }

  /** A line just became longer than a few short messages: its shape is read from its start again, with SIMD. */
  private readShapeAsLong(): void {
    if (this.shortShape === undefined) return;
    this.shortShape.finish();
    this.longShape ??= new LongShapeScanner();
    this.shape = this.longShape;
    for (const held of this.chunks) this.shape.feed(held);
  }

  private scanHead(piece: Buffer): void {
    if (this.scanned >= HEAD_BYTES) return;
    this.scanner!.feed(piece);
    this.scanned += piece.length;
  }

  private takeLine(): Frame {
    const size = this.length;
    const { scanner, chunks, dropping } = this;
    const wholeScanned = this.scanned === size;
    this.chunks = [];
    this.length = 0;
    this.scanner = undefined;
    this.scanned = 0;
    this.dropping = false;
    const shape = this.shape;
    this.shape = this.shortShape;
    if (scanner && dropping) {
      shape?.finish();
      return { kind: 'oversize', size, envelope: scanner.finish() };
    }
    if (scanner) {
      const trimmed = withoutCarriageReturn(chunks);
      const envelope = wholeScanned ? scanner.finish() : longLineEnvelope(scanner, chunks);
      const kept = trimmed ? size - 1 : size;
      return { kind: 'scanned', chunks, size: kept, envelope, ...(shape && { shape: shape.finish(kept) }) };
    }
    let bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    return shape ? { kind: 'line', bytes, shape: shape.finish(bytes.length) } : { kind: 'line', bytes };
  }
}

/** The envelope of a long line whose head was scanned: joined with its tail, else read in full. */
function longLineEnvelope(head: EnvelopeScanner, chunks: readonly Buffer[]): Envelope {
  const open = head.openMember();
  const tail = open && readTail(lastBytes(chunks, TAIL_BYTES));
  const joined = open && tail && joinEnvelope(open, tail);
  if (joined) return joined;
  const scanner = new EnvelopeScanner();
  for (const chunk of chunks) scanner.feed(chunk);
  return scanner.finish();
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
