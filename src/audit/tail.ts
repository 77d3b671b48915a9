import { readSync } from 'node:fs';
import { CHAIN_START, linkAfter } from './chain.js';

/** How a file of `size` bytes ends, for the record appended next. */
export interface Tail {
  /** the `prev` the next line carries */
  link: string;
  /** the file ends in the middle of a line (a write cut short): a `\n` must close it first */
  cut: boolean;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** Reads the last line of the file open as `fd` backwards from `size`, a chunk at a time. */
export function readTail(fd: number, size: number): Tail {
  if (size === 0) return { link: CHAIN_START, cut: false };
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  const cut = last[0] !== NEWLINE;
  // The last line runs from after the `\n` before its end (or the start of the file) to `size`.
  const end = cut ? size : size - 1;
  const pieces: Buffer[] = [];
  let start = end;
  while (start > 0) {
    const from = Math.max(0, start - CHUNK);
    const chunk = Buffer.alloc(start - from);
    readExactly(fd, chunk, from);
    const at = chunk.lastIndexOf(NEWLINE);
    pieces.unshift(at === -1 ? chunk : chunk.subarray(at + 1));
    if (at !== -1) break;
    start = from;
  }
  pieces.push(Buffer.from('\n'));
  return { link: linkAfter(Buffer.concat(pieces)), cut };
}

/** The last `length` bytes before `size`, or fewer at the start of the file. */
export function readEnd(fd: number, size: number, length: number): Buffer {
  const from = Math.max(0, size - length);
  const bytes = Buffer.alloc(size - from);
  readExactly(fd, bytes, from);
  return bytes;
}

function readExactly(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done);
    if (read === 0) throw new Error('the audit log became shorter while it was read');
    done += read;
  }
}
