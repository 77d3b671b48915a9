import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { longestWindowByKey, retryAfterMs, windowStart } from './budgets.js';
import { isBusy, sqliteDriver, type SqliteDatabase, type SqliteDriver } from './sqlite-driver.js';
import type { Acquisition, Budget, LimitStore, MaybePromise, Peek, Ticket } from './types.js';

export interface SqliteStoreOptions {
  /** How long a call waits (without blocking the relay) for another process's write lock before the store counts as unavailable; default 2000 ms. */
  busyTimeoutMs?: number;
  /** Which SQLite to use; default node:sqlite where Node has it, else better-sqlite3 (see sqliteDriver). */
  driver?: SqliteDriver;
}

/** How long SQLite itself may block the event loop waiting for a lock, per attempt. */
const syncWaitMs = 5;

/** How often, in clock time, keys nobody asks for any more are swept away. */
const sweepEveryMs = 60_000;
const schemaVersion = 1;

/*
 * hits is the sliding log: one row per key and admission, ordered by (key, at) so pruning and
 * finding the oldest admission are range lookups. keys holds each key's row count, kept equal to
 * COUNT(hits) by every statement that changes hits, so an acquire costs the same however full the
 * window is; `expires` (newest admission + window) lets the sweep drop keys that went quiet.
 */
const schema = `
  CREATE TABLE IF NOT EXISTS hits (
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    ticket TEXT NOT NULL,
    PRIMARY KEY (key, at, ticket)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS keys (
    key TEXT PRIMARY KEY,
    n INTEGER NOT NULL,
    expires INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * Counts in one SQLite file, shared by every process on the machine that opens it, and kept across
 * restarts. Synchronous: each acquire is one `BEGIN IMMEDIATE` transaction, so processes take
 * turns on the write lock and none admits a call against a count another is changing. A call that
 * cannot get the lock within the busy timeout, or cannot write (disk full, I/O error), throws; the
 * limiter turns that into `store-unavailable` for that call only. The caller creates the file's
 * directory (see openStore). A file this store creates is readable and writable by its owner
 * only, and SQLite gives its -wal and -shm files the same mode; an existing file keeps its own.
 */
export class SqliteStore implements LimitStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDatabase;
  private readonly acquireImmediate: (budgets: readonly Budget[], nowMs: number) => Acquisition;
  private readonly releaseImmediate: (ticket: Ticket) => void;
  private readonly peekNow: (budgets: readonly Budget[], nowMs: number) => Peek;
  private readonly busyTimeoutMs: number;
  private nextSweepMs = Number.NEGATIVE_INFINITY;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 2000;
    this.db = openStateFile(path, this.busyTimeoutMs, options.driver);

    const sql = (text: string) => this.db.prepare(text);
    const prune = sql('DELETE FROM hits WHERE key = ? AND at <= ?');
    const countSince = sql('SELECT COUNT(*) FROM hits WHERE key = ? AND at > ?');
    const nthSince = sql('SELECT at FROM hits WHERE key = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?');
    const addHit = sql('INSERT INTO hits (key, at, ticket) VALUES (?, ?, ?)');
    const removeHit = sql('DELETE FROM hits WHERE key = ? AND ticket = ?');
    const keyCount = sql('SELECT n FROM keys WHERE key = ?');
    const setKey = sql(
      'INSERT INTO keys (key, n, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET n = excluded.n, expires = max(expires, excluded.expires)',
    );
    const setKeyCount = sql('UPDATE keys SET n = ? WHERE key = ?');
    const subtractFromKey = sql('UPDATE keys SET n = n - ? WHERE key = ?');
    const sweepHits = sql('DELETE FROM hits WHERE key IN (SELECT key FROM keys WHERE expires <= ?)');
    const sweepKeys = sql('DELETE FROM keys WHERE expires <= ?');

    this.acquireImmediate = this.db.immediate((budgets: readonly Budget[], nowMs: number): Acquisition => {
      if (nowMs >= this.nextSweepMs) {
        this.nextSweepMs = nowMs + sweepEveryMs;
        sweepHits.run(nowMs);
        sweepKeys.run(nowMs);
      }
      const windows = longestWindowByKey(budgets);
      // After pruning by its longest window, every row left for a key is in that window.
      const inLongestWindow = new Map<string, number>();
      for (const [key, windowMs] of windows) {
        const pruned = prune.run(key, windowStart(nowMs, windowMs));
        const n = (keyCount.number(key) ?? 0) - pruned;
        if (pruned > 0) setKeyCount.run(n, key);
        inLongestWindow.set(key, n);
      }
      const used = budgets.map((budget) =>
        budget.windowMs === windows.get(budget.key)
          ? (inLongestWindow.get(budget.key) ?? 0)
          : (countSince.number(budget.key, windowStart(nowMs, budget.windowMs)) ?? 0),
      );
      const blockedIndex = budgets.findIndex((budget, i) => (used[i] ?? 0) >= budget.max);
      const blocked = budgets[blockedIndex];
      if (blocked) {
        const over = (used[blockedIndex] ?? 0) - blocked.max;
        const entry = blocked.max > 0 ? nthSince.number(blocked.key, windowStart(nowMs, blocked.windowMs), over) : undefined;
        return { admitted: false, blockedIndex, retryAfterMs: retryAfterMs(blocked, nowMs, entry), used };
      }
      const id = randomUUID();
      for (const [key, windowMs] of windows) {
        addHit.run(key, nowMs, id);
        setKey.run(key, (inLongestWindow.get(key) ?? 0) + 1, nowMs + windowMs);
      }
      return { admitted: true, ticket: { id, keys: [...windows.keys()], atMs: nowMs }, used: used.map((n) => n + 1) };
    });
    // Reads only: no pruning, no sweep, so it takes no write lock (WAL readers never wait for writers).
    this.peekNow = (budgets, nowMs) => {
      const used = budgets.map((budget) => countSince.number(budget.key, windowStart(nowMs, budget.windowMs)) ?? 0);
      const retry = budgets.map((budget, i) => {
        const n = used[i] ?? 0;
        if (n < budget.max) return 0;
        const entry = budget.max > 0 ? nthSince.number(budget.key, windowStart(nowMs, budget.windowMs), n - budget.max) : undefined;
        return retryAfterMs(budget, nowMs, entry);
      });
      return { used, retryAfterMs: retry };
    };
    this.releaseImmediate = this.db.immediate((ticket: Ticket) => {
      for (const key of ticket.keys) {
        const removed = removeHit.run(key, ticket.id);
        if (removed > 0) subtractFromKey.run(removed, key);
      }
    });
  }

  acquire(budgets: readonly Budget[], nowMs: number): MaybePromise<Acquisition> {
    return whenFree(this.busyTimeoutMs, () => this.acquireImmediate(budgets, nowMs));
  }

  release(ticket: Ticket): MaybePromise<void> {
    return whenFree(this.busyTimeoutMs, () => this.releaseImmediate(ticket));
  }

  peek(budgets: readonly Budget[], nowMs: number): MaybePromise<Peek> {
    return whenFree(this.busyTimeoutMs, () => this.peekNow(budgets, nowMs));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * Switches the file to WAL and creates the tables. Processes that open a new file at the same
 * moment race to switch it, and SQLite answers the losers SQLITE_BUSY at once instead of waiting
 * for the busy timeout, so this retries until the deadline.
 */
/**
 * The state file, created private to the user if new, in WAL mode with the counters' tables and
 * then `moreSchema` (another part's tables, such as pending approvals). The SQLite API is
 * synchronous: a call that waited inside SQLite for another process's write lock would stall the
 * relay, so once open SQLite waits only a moment and the rest of the wait happens between
 * event-loop turns (see whenFree).
 */
export function openStateFile(path: string, busyTimeoutMs: number, driver: SqliteDriver = sqliteDriver(), moreSchema?: string): SqliteDatabase {
  createPrivately(path);
  const db = driver.open(path, busyTimeoutMs);
  try {
    prepareFile(db, Date.now() + busyTimeoutMs);
    if (moreSchema !== undefined) db.immediate(() => db.exec(moreSchema))();
  } catch (error) {
    db.close();
    throw error;
  }
  db.pragma(`busy_timeout = ${syncWaitMs}`);
  return db;
}

function prepareFile(db: SqliteDatabase, deadline: number): void {
  for (;;) {
    try {
      if (db.pragma('journal_mode') !== 'wal') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.immediate(() => createSchema(db))();
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(pauseCell, 0, 0, 5 + Math.random() * 20);
    }
  }
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Creates the file empty with mode 0600 unless it exists (an empty file is a new database to
 * SQLite), so counts, whose keys name grants and sessions, are never readable by others, not even
 * for the moment before a chmod. Another process creating it at the same moment is no error.
 */
function createPrivately(path: string): void {
  if (path === '' || path === ':memory:') return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function createSchema(db: SqliteDatabase): void {
  const version = db.pragma('user_version');
  if (version === schemaVersion) return;
  if (version !== 0) {
    throw new Error(`the file holds counters of another policy-wrap version (schema ${String(version)}, expected ${schemaVersion})`);
  }
  db.exec(schema);
  db.pragma(`user_version = ${schemaVersion}`);
}

/**
 * Runs a transaction now, synchronously, when the file is free (the usual case); while another
 * process holds the write lock, retries after short random pauses without blocking the event
 * loop, until `busyTimeoutMs` has passed. Every part that keeps tables in the state file uses it.
 */
export function whenFree<T>(busyTimeoutMs: number, transaction: () => T): MaybePromise<T> {
  try {
    return transaction();
  } catch (error) {
    if (!isBusy(error)) throw error;
  }
  const deadline = Date.now() + busyTimeoutMs;
  return new Promise<T>((resolve, reject) => {
    const attempt = (): void => {
      try {
        resolve(transaction());
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) reject(error);
        else setTimeout(attempt, 1 + Math.random() * 4);
      }
    };
    setTimeout(attempt, 1 + Math.random() * 4);
  });
}
