import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { PolicyWrapError } from '../errors.js';
import { stringifiedWithoutLineBreaks } from '../shared/line-breaks.js';
import { CHAIN_START, chainedLine, linkAfter } from './chain.js';
import { acquireLock, type HeldLock } from './lock.js';
import { readEnd, readTail } from './tail.js';

/** Where audit records go: one JSON object per line, appended. */
export interface AuditSink {
  write(record: Record<string, unknown>): void;
  /**
   * Why records cannot be written now, undefined when they can: after trying again to write the
   * records that wait, or, when the last write went well, after checking that the file is still
   * there to write to. A sink that cannot tell (a stream) leaves it out.
   */
  failure?(): string | undefined;
  close(): Promise<void>;
}

/** Characters of records kept while the file cannot be written, at most; later ones are counted as lost. */
const maxWaitingChars = 16 * 1024 * 1024;

/**
 * `-` means the given fallback stream (stderr); anything else is a file opened for appending now,
 * created with mode 0600 if it does not exist (an existing file keeps its mode). Its folder must
 * exist: a file that cannot be opened is a PolicyWrapError `audit.open-failed` (exit 2), before
 * anything has run. Trouble later is reported on stderr, once per outage, and through failure().
 */
export function openAuditSink(target: string, stderr: Writable, options: AuditSinkOptions = {}): AuditSink {
  if (target === '-') return streamSink(stderr);
  let file: OpenFile;
  try {
    file = openFile(target);
  } catch (error) {
    throw new PolicyWrapError('audit.open-failed', `cannot open the audit log ${target}: ${openProblem(target, error)}; choose another file with --audit`, { cause: error });
  }
  return fileSink(target, file, stderr, options.batchMs ?? BATCH_MS);
}

export interface AuditSinkOptions {
  /** A file's records are written at most this often under load (default BATCH_MS); 0: at the end of every turn. */
  batchMs?: number;
}

/**
 * Every write to the file costs a lock, a look at its end and the write, ten system calls: records
 * that come one per turn of the event loop (calls one at a time) would pay them each. So a write
 * follows the one before it by at least this long; the records of the meantime wait and leave
 * together. A record after a quiet spell leaves at the end of its turn, as before.
 */
export const BATCH_MS = 5;

interface OpenFile {
  fd: number;
  dev: number;
  ino: number;
  /**
   * A regular file opened for reading too: its last line can be read to continue the chain. A
   * FIFO or a device (or a file this user may only write) is chained from where this sink began.
   */
  chainable: boolean;
}

function openFile(path: string): OpenFile {
  let fd: number;
  let readable = true;
  try {
    fd = openSync(path, 'a+', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    fd = openSync(path, 'a', 0o600);
    readable = false;
  }
  try {
    const stats = fstatSync(fd);
    return { fd, dev: stats.dev, ino: stats.ino, chainable: readable && stats.isFile() };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function openProblem(path: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `the folder ${dirname(path)} does not exist`;
    case 'ENOTDIR':
      return `a part of ${dirname(path)} is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return firstLine(error);
  }
}

/**
 * Appends to the file at `path`. Records written in one turn of the event loop leave in one
 * synchronous write once the turn is done, or, when the file was written less than `batchMs` ago,
 * once that much time has passed since; so a write that fails is known within it. Each line
 * carries `prev`, the link to the line before it in the file (see chain.ts): the write happens
 * under the lock beside the log (lock.ts), after reading the file's last line unless this sink
 * wrote it, so wrappers sharing a log, and restarts, continue one chain. Before a write
 * the path is checked (at most every PATH_CHECK_MS): a file deleted or moved away (by log rotation, or by anyone) is
 * replaced by a new one at the same path, since records written to a file nobody can find are
 * lost. Records that cannot be written wait, in order, and go out with the next write that
 * succeeds; failure() tries that at once.
 */
/** How often the audit path is checked for a file moved away or replaced. */
export const PATH_CHECK_MS = 100;

function fileSink(path: string, opened: OpenFile, stderr: Writable, batchMs: number): AuditSink {
  let file: OpenFile | undefined = opened;
  /** record JSON (`{...}`, no `prev`, no line end), in order: text until written, one buffer per write */
  let waiting: string[] = [];
  let waitingChars = 0;
  /**
   * waiting[0] as a whole line and how many of its bytes are in the file already: a write can stop
   * in the middle of a record; its `prev` is then fixed, and the rest follows it.
   */
  let head: Buffer | undefined;
  let headWritten = 0;
  /**
   * Where this sink left the file: its size after our last write, the bytes that ended it and the
   * link after our last whole line. While the file still ends there, nobody appended since, and
   * its last line need not be read again. -1: not known.
   */
  let end = -1;
  let endBytes: Buffer = Buffer.alloc(0);
  let endLink = CHAIN_START;
  const lockPath = `${path}.lock`;
  let lockProblem: string | undefined;
  let problem: string | undefined;
  let lost = 0;
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last write attempt */
  let flushedAt = -Infinity;
  let closed = false;

  /** when the path was last found to lead to `file` */
  let checkedAt = -Infinity;

  const current = (): OpenFile => {
    // A stat a call costs more than the rest of the audit: the path is looked at again only
    // every PATH_CHECK_MS, so a file moved away takes at most that long to be replaced.
    const moment = performance.now();
    if (file !== undefined && moment - checkedAt < PATH_CHECK_MS) return file;
    const now = statSync(path, { throwIfNoEntry: false });
    checkedAt = moment;
    if (file !== undefined && now !== undefined && now.dev === file.dev && now.ino === file.ino) return file;
    if (file !== undefined) {
      closeSync(file.fd);
      file = undefined;
    }
    file = openFile(path);
    // A record cut short in the old file is written whole into the new one.
    forgetHead();
    end = -1;
    return file;
  };

  const forgetHead = (): void => {
    head = undefined;
    headWritten = 0;
  };

  /** The file still ends where this sink left it: same size, same last bytes. */
  const endsAsWeLeftIt = (fd: number, size: number): boolean => end === size && size > 0 && readEnd(fd, size, endBytes.length).equals(endBytes);

  /** Takes the lock beside the log; without one (a folder this user cannot write) the log is appended to unlocked. */
  const lock = (): HeldLock | undefined => {
    try {
      const held = acquireLock(lockPath);
      lockProblem = undefined;
      return held;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
      if (lockProblem === undefined) {
        stderr.write(`policy-wrap: cannot create the audit lock ${lockPath} (${firstLine(error)}); appending without it: wrappers sharing ${path} may break its chain\n`);
      }
      lockProblem = firstLine(error);
      return undefined;
    }
  };

  /** Appends the waiting records, chained to the file's last line, under the lock. */
  const append = (opened: OpenFile): void => {
    const held = opened.chainable ? lock() : undefined;
    try {
      appendChained(opened);
    } finally {
      if (held !== undefined && !held.release()) {
        stderr.write(`policy-wrap: the audit lock ${lockPath} was taken from this process as stale while it wrote; the chain of ${path} may break there\n`);
      }
    }
  };

  const appendChained = (opened: OpenFile): void => {
    const { fd } = opened;
    const size = opened.chainable ? fstatSync(fd).size : 0;
    const ours = !opened.chainable || endsAsWeLeftIt(fd, size);
    // Someone wrote after the part of a record this sink got out: that part stays a broken line.
    if (head !== undefined && !ours) forgetHead();
    let start = size;
    /** the link the first new line carries */
    let before = endLink;
    if (head === undefined && !ours) {
      const tail = readTail(fd, size);
      before = tail.link;
      end = -1;
      if (tail.cut) {
        writeSync(fd, '\n');
        start += 1;
        [end, endBytes, endLink] = [start, NEWLINE, before];
      }
    }
    const lines: string[] = [];
    let link = head === undefined ? before : linkAfter(head);
    for (let i = head === undefined ? 0 : 1; i < waiting.length; i += 1) {
      const line = chainedLine(waiting[i] as string, link);
      link = linkAfter(line);
      lines.push(line);
    }
    const fresh = Buffer.from(lines.length === 1 ? (lines[0] as string) : lines.join(''));
    const chunk = head === undefined ? fresh : Buffer.concat([head, fresh]);
    const from = headWritten;
    let offset = from;
    try {
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
    } finally {
      if (offset === chunk.length) {
        [end, endBytes, endLink] = [start + offset - from, Buffer.from(chunk.subarray(Math.max(0, offset - END_BYTES))), link];
        dropAll();
      } else if (offset > from) {
        end = start + offset - from;
        endBytes = Buffer.from(chunk.subarray(Math.max(0, offset - END_BYTES), offset));
        endLink = dropWritten(chunk, head === undefined ? lines : [head, ...lines], offset, before);
      }
    }
  };

  const flush = (): void => {
    scheduled = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0 && problem === undefined) return;
    flushedAt = performance.now();
    try {
      const opened = current();
      if (waiting.length > 0) append(opened);
    } catch (error) {
      fail(error);
      return;
    }
    if (problem !== undefined) {
      problem = undefined;
      stderr.write(`policy-wrap: audit log ${path} can be written again${lost > 0 ? `; ${lost} records were lost meanwhile` : ''}\n`);
      lost = 0;
    }
  };

  const fail = (error: unknown): void => {
    if (problem === undefined) stderr.write(`policy-wrap: audit log ${path} cannot be written: ${firstLine(error)}\n`);
    problem = firstLine(error);
  };

  const dropAll = (): void => {
    waiting = [];
    waitingChars = 0;
    forgetHead();
  };

  /**
   * A write stopped after `offset` bytes of `chunk`, the whole `lines` (Buffer: the head): removes
   * the records whose lines reached the file, keeps the one cut short as the head and returns the
   * link after the last whole line.
   */
  const dropWritten = (chunk: Buffer, lines: readonly (string | Buffer)[], offset: number, before: string): string => {
    let link = before;
    let at = 0;
    for (const line of lines) {
      const length = typeof line === 'string' ? Buffer.byteLength(line) : line.length;
      if (at + length > offset) {
        head = chunk.subarray(at, at + length);
        headWritten = offset - at;
        return link;
      }
      at += length;
      link = linkAfter(line);
      waitingChars -= (waiting.shift() as string).length;
    }
    forgetHead();
    return link;
  };

  return {
    write(record) {
      if (closed) return;
      const line = recordJson(record);
      if (problem !== undefined && waitingChars + line.length > maxWaitingChars) {
        lost += 1;
        return;
      }
      waiting.push(line);
      waitingChars += line.length;
      if (scheduled) return;
      scheduled = true;
      const wait = flushedAt + batchMs - performance.now();
      if (wait <= 0) process.nextTick(flush);
      else timer = setTimeout(flush, wait);
    },
    failure() {
      if (closed) return problem;
      if (problem !== undefined) {
        flush();
        return problem;
      }
      // A file deleted, moved or replaced is found now, not at the next write.
      try {
        current();
      } catch (error) {
        fail(error);
      }
      return problem;
    },
    close() {
      if (closed) return Promise.resolve();
      flush();
      closed = true;
      const unwritten = waiting.length + lost;
      if (unwritten > 0) stderr.write(`policy-wrap: ${unwritten} audit records could not be written to ${path}\n`);
      waiting = [];
      if (file !== undefined) closeSync(file.fd);
      file = undefined;
      return Promise.resolve();
    },
  };
}

/**
 * Records are serialized at once but written together once the current turn of the event loop is
 * done: a chunk of 32 answers costs one write, not 32.
 */
function streamSink(stream: Writable): AuditSink {
  let pending: string[] = [];
  let scheduled = false;
  // A stream has no earlier lines to read: its chain starts with this sink.
  let link = CHAIN_START;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const lines = pending.map((json) => {
      const line = chainedLine(json, link);
      link = linkAfter(line);
      return line;
    });
    pending = [];
    if (stream.writable) stream.write(lines.join(''));
  };
  return {
    write(record) {
      if (!stream.writable) return;
      pending.push(recordJson(record));
      if (scheduled) return;
      scheduled = true;
      process.nextTick(flush);
    },
    close() {
      flush();
      return Promise.resolve();
    },
  };
}

function firstLine(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(error)).split('\n')[0] ?? '';
}

export const noAuditSink: AuditSink = { write: () => undefined, close: () => Promise.resolve() };

/**
 * One record as the JSON of one line for every reader: JSON.stringify leaves U+0085, U+2028 and
 * U+2029 raw in strings (a tool name, an argument), and readers that also end lines there would
 * see two. A `prev` of the record's own is left out: the sink writes the link.
 */
function recordJson(record: Record<string, unknown>): string {
  const own = Object.hasOwn(record, 'prev') ? Object.assign({}, record, { prev: undefined }) : record;
  return stringifiedWithoutLineBreaks(JSON.stringify(own));
}

/** How many bytes at the end of a file identify it as the one this sink left: its last line's link and more. */
const END_BYTES = 96;
const NEWLINE = Buffer.from('\n');
