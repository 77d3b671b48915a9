import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Mutual exclusion between processes that append to one audit log: a lock file beside it
 * (`<log>.lock`), created with O_EXCL, holding `pid host nonce`. It is held only while a process
 * reads the end of the log and appends its records, a few system calls.
 *
 * A process that dies holding it leaves the file behind. It is broken when its holder is gone
 * (same host, no such pid) or, whoever holds it, once it is STALE_MS old: no live holder keeps it
 * that long unless it was stopped. Breakers take turns through a second lock file
 * (`<log>.lock.break`) and remove the stale lock only if it is still the one they judged stale
 * (same nonce), so two breakers never remove a lock a third has just taken.
 */

/** A lock older than this is broken even when its holder seems alive. */
export const STALE_MS = 10_000;
/**
 * How long a process waits for the lock before it gives up; the records then wait for the next
 * write, as when the file cannot be written. The wait stops the event loop: holders keep the lock
 * for microseconds, so only a holder that was stopped makes anyone wait this long.
 */
export const WAIT_MS = 250;

export interface HeldLock {
  /** Releases the lock; false when it had been broken by another process meanwhile. */
  release(): boolean;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps without returning to the event loop: the audit sink writes synchronously. */
function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

const host = hostname();
/** What makes each lock this process takes different from every other lock: breakers compare it. */
const processNonce = randomBytes(6).toString('hex');
let taken = 0;

export function acquireLock(path: string, options: { waitMs?: number; staleMs?: number; now?: () => number } = {}): HeldLock {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? STALE_MS;
  const deadline = now() + (options.waitMs ?? WAIT_MS);
  let delay = 0.05;
  for (;;) {
    const held = tryCreate(path);
    if (held !== undefined) return held;
    const seen = readLock(path);
    if (seen !== undefined && isStale(seen, staleMs, now())) {
      breakStale(path, seen, staleMs, now);
      continue;
    }
    if (now() >= deadline) {
      throw new Error(`the audit lock ${path} is held${seen ? ` by process ${seen.pid} on ${seen.host}` : ''} for more than ${options.waitMs ?? WAIT_MS} ms`);
    }
    sleep(delay);
    delay = Math.min(delay * 2, 20);
  }
}

function tryCreate(path: string): HeldLock | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    taken += 1;
    writeSync(fd, `${process.pid} ${host} ${processNonce}.${taken}\n`);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(path);
    throw error;
  }
  return {
    release() {
      // nlink 0: another process broke this lock as stale; the path may now be someone else's.
      const ours = fstatSync(fd).nlink > 0;
      if (ours) unlinkQuietly(path);
      closeSync(fd);
      return ours;
    },
  };
}

interface SeenLock {
  text: string;
  pid: number;
  host: string;
  mtimeMs: number;
}

function readLock(path: string): SeenLock | undefined {
  try {
    const { mtimeMs } = statSync(path);
    const text = readFileSync(path, 'latin1');
    const [pid, lockHost] = text.trim().split(' ');
    return { text, pid: Number(pid), host: lockHost ?? '', mtimeMs };
  } catch {
    // Gone meanwhile: the next attempt to create it may succeed.
    return undefined;
  }
}

function isStale(lock: SeenLock, staleMs: number, nowMs: number): boolean {
  if (nowMs - lock.mtimeMs > staleMs) return true;
  // A lock being written (no content yet) is not judged by its pid.
  if (lock.host !== host || !Number.isInteger(lock.pid) || lock.pid <= 0) return false;
  return !processExists(lock.pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function breakStale(path: string, seen: SeenLock, staleMs: number, now: () => number): void {
  const breakPath = `${path}.break`;
  let breaker: HeldLock | undefined;
  try {
    breaker = tryCreate(breakPath);
  } catch {
    return;
  }
  if (breaker === undefined) {
    // Another process is breaking it; a breaker that died is itself broken once stale.
    const other = readLock(breakPath);
    if (other !== undefined && now() - other.mtimeMs > staleMs) unlinkQuietly(breakPath);
    sleep(1);
    return;
  }
  try {
    if (readLock(path)?.text === seen.text) unlinkQuietly(path);
  } finally {
    breaker.release();
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
