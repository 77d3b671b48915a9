import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { PolicyWrapError } from '../errors.js';
import { withoutLineBreaks } from '../shared/line-breaks.js';

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

/** Records kept while the file cannot be written, at most; later ones are counted as lost. */
const maxWaitingBytes = 16 * 1024 * 1024;

/**
 * `-` means the given fallback stream (stderr); anything else is a file opened for appending now,
 * created with mode 0600 if it does not exist (an existing file keeps its mode). Its folder must
 * exist: a file that cannot be opened is a PolicyWrapError `audit.open-failed` (exit 2), before
 * anything has run. Trouble later is reported on stderr, once per outage, and through failure().
 */
export function openAuditSink(target: string, stderr: Writable): AuditSink {
  if (target === '-') return streamSink(stderr);
  let file: OpenFile;
  try {
    file = openFile(target);
  } catch (error) {
    throw new PolicyWrapError('audit.open-failed', `cannot open the audit log ${target}: ${openProblem(target, error)}; choose another file with --audit`, { cause: error });
  }
  return fileSink(target, file, stderr);
}

interface OpenFile {
  fd: number;
  dev: number;
  ino: number;
}

function openFile(path: string): OpenFile {
  const fd = openSync(path, 'a', 0o600);
  try {
    const { dev, ino } = fstatSync(fd);
    return { fd, dev, ino };
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
 * synchronous write once the turn is done, so a write that fails is known at once. Before a write
 * the path is checked (at most every PATH_CHECK_MS): a file deleted or moved away (by log rotation, or by anyone) is
 * replaced by a new one at the same path, since records written to a file nobody can find are
 * lost. Records that cannot be written wait, in order, and go out with the next write that
 * succeeds; failure() tries that at once.
 */
/** How often the audit path is checked for a file moved away or replaced. */
export const PATH_CHECK_MS = 100;

function fileSink(path: string, opened: OpenFile, stderr: Writable): AuditSink {
  let file: OpenFile | undefined = opened;
  let waiting: Buffer[] = [];
  let waitingBytes = 0;
  /** bytes of waiting[0] already in the file: a write can stop in the middle of a record */
  let headWritten = 0;
  let problem: string | undefined;
  let lost = 0;
  let scheduled = false;
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
    headWritten = 0;
    return file;
  };

  const flush = (): void => {
    scheduled = false;
    if (waiting.length === 0 && problem === undefined) return;
    try {
      const { fd } = current();
      while (waiting.length > 0) {
        const chunk = waiting.length === 1 ? (waiting[0] as Buffer) : Buffer.concat(waiting);
        let offset = headWritten;
        try {
          while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
        } finally {
          dropWritten(offset);
        }
      }
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

  /** Removes what reached the file from the waiting records; `offset` counts from their start. */
  const dropWritten = (offset: number): void => {
    let left = offset;
    while (waiting.length > 0 && left >= (waiting[0] as Buffer).length) {
      const head = waiting.shift() as Buffer;
      left -= head.length;
      waitingBytes -= head.length;
    }
    headWritten = left;
  };

  return {
    write(record) {
      if (closed) return;
      const line = auditLine(record);
      if (problem !== undefined && waitingBytes + line.length > maxWaitingBytes) {
        lost += 1;
        return;
      }
      waiting.push(line);
      waitingBytes += line.length;
      if (scheduled) return;
      scheduled = true;
      process.nextTick(flush);
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
  let pending: Buffer[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    if (stream.writable) stream.write(bytes);
  };
  return {
    write(record) {
      if (!stream.writable) return;
      pending.push(auditLine(record));
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
 * One record as one line for every reader: JSON.stringify leaves U+0085, U+2028 and U+2029 raw in
 * strings (a tool name, an argument), and readers that also end lines there would see two.
 */
function auditLine(record: Record<string, unknown>): Buffer {
  return withoutLineBreaks(Buffer.from(`${JSON.stringify(record)}\n`));
}
