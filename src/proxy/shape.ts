import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-bytes.js';

/**
 * What a server line looks like to readers the wrapper does not control: how deep it nests, and
 * whether it may hold a line boundary other than `\n` (see line-breaks.ts). Fed in pieces as they
 * arrive, in one pass; a long answer is read as it comes in, not after.
 */
export interface Shape {
  depth: number;
  /**
   * A byte some reader may take for the end of a line: `\r`, `\v`, `\f`, `\x1c`–`\x1e`, U+0085,
   * U+2028, U+2029, or any control byte inside a string. May be true of a harmless line (a lead
   * byte cut off at a piece's end); never false of a line that has one.
   */
  mayBreak: boolean;
}

/** Byte classes outside strings. */
const PLAIN = 0;
const STRING_START = 1;
const OPEN = 2;
const CLOSE = 3;
const SUSPECT = 4;
/** Byte classes inside strings. */
const STRING_END = 1;
const ESCAPE = 2;
const CONTROL = 3;
const MAYBE_BREAK = 4;

const OUTSIDE = new Uint8Array(256);
const INSIDE = new Uint8Array(256);
OUTSIDE[QUOTE] = STRING_START;
OUTSIDE[OPEN_OBJECT] = OUTSIDE[OPEN_ARRAY] = OPEN;
OUTSIDE[CLOSE_OBJECT] = OUTSIDE[CLOSE_ARRAY] = CLOSE;
// Outside strings JSON allows only ASCII: any other byte there is a break, or a line to be checked.
for (let byte = 0; byte < 0x20; byte += 1) if (byte !== 0x09) OUTSIDE[byte] = SUSPECT;
for (let byte = 0x80; byte < 0x100; byte += 1) OUTSIDE[byte] = SUSPECT;
INSIDE[QUOTE] = STRING_END;
INSIDE[BACKSLASH] = ESCAPE;
for (let byte = 0; byte < 0x20; byte += 1) INSIDE[byte] = CONTROL;
INSIDE[0xc2] = INSIDE[0xe2] = MAYBE_BREAK;

export class ShapeScanner {
  private depth = 0;
  private maxDepth = 0;
  private inString = false;
  /** the previous piece ended on a backslash inside a string */
  private escaping = false;
  /** offset in the line of the first byte that may break it; -1: none yet */
  private firstSuspect = -1;
  private offset = 0;
  /** the first bytes of a U+0085, U+2028 or U+2029 that the previous piece ended on, and where */
  private cut: number[] = [];
  private cutAt = 0;

  feed(piece: Buffer): void {
    const length = piece.length;
    let i = 0;
    let { depth, maxDepth, inString } = this;
    if (this.escaping) {
      this.escaping = false;
      i = 1;
    }
    if (this.cut.length > 0) this.completeCut(piece);
    while (i < length) {
      if (inString) {
        let kind = INSIDE[piece[i]!]!;
        while (kind === PLAIN && ++i < length) kind = INSIDE[piece[i]!]!;
        if (i >= length) break;
        if (kind === STRING_END) inString = false;
        else if (kind === ESCAPE) {
          if (i + 1 >= length) this.escaping = true;
          i += 1;
        } else if (kind === CONTROL) this.suspect(i);
        else if (i + 2 >= length) {
          this.cut = [...piece.subarray(i)];
          this.cutAt = this.offset + i;
        }
        else if (isBreakAt(piece, i)) this.suspect(i);
        i += 1;
        continue;
      }
      const kind = OUTSIDE[piece[i]!]!;
      if (kind === STRING_START) inString = true;
      else if (kind === OPEN) {
        depth += 1;
        if (depth > maxDepth) maxDepth = depth;
      } else if (kind === CLOSE) depth -= 1;
      else if (kind === SUSPECT) this.suspect(i);
      i += 1;
    }
    this.depth = depth;
    this.maxDepth = maxDepth;
    this.inString = inString;
    this.offset += length;
  }

  /**
   * The shape of everything fed since the last finish, and a fresh start for the next line. Bytes
   * from `keptBelow` on are not part of the line (a trailing `\r` the splitter drops).
   */
  finish(keptBelow = Infinity): Shape {
    // A line that ends inside a sequence is not UTF-8: read whole, it is refused.
    if (this.cut.length > 0) this.suspect(this.cutAt - this.offset);
    const shape = { depth: this.maxDepth, mayBreak: this.firstSuspect !== -1 && this.firstSuspect < keptBelow };
    this.depth = this.maxDepth = this.offset = 0;
    this.inString = this.escaping = false;
    this.firstSuspect = -1;
    this.cut = [];
    return shape;
  }

  /** Decides on a sequence the last piece cut short, from this piece's first bytes (read again below). */
  private completeCut(piece: Buffer): void {
    const need = this.cut[0] === 0xc2 ? 2 : 3;
    for (let k = 0; k < piece.length && this.cut.length < need; k += 1) this.cut.push(piece[k]!);
    if (this.cut.length < need) return;
    if (isBreakAt(Buffer.from(this.cut), 0)) this.suspect(this.cutAt - this.offset);
    this.cut = [];
  }

  private suspect(i: number): void {
    if (this.firstSuspect === -1) this.firstSuspect = this.offset + i;
  }
}

/** The shape of a whole line. */
export function shapeOf(line: Buffer): Shape {
  const scanner = new ShapeScanner();
  scanner.feed(line);
  return scanner.finish();
}

/** At a C2 or E2 byte: U+0085, U+2028 or U+2029 starts here. */
function isBreakAt(bytes: Buffer, i: number): boolean {
  if (bytes[i] === 0xc2) return bytes[i + 1] === 0x85;
  return bytes[i + 1] === 0x80 && (bytes[i + 2] === 0xa8 || bytes[i + 2] === 0xa9);
}
