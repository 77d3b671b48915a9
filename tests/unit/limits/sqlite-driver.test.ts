import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PolicyWrapError } from '../../../src/errors.js';
import { DeferredStore } from '../../../src/limits/deferred-store.js';
import { nodeSqliteDriver, type NodeSqliteModule } from '../../../src/limits/sqlite-builtin.js';
import { isBusy, sqliteDriver } from '../../../src/limits/sqlite-driver.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import { scratchDir } from './store-cases.js';

const t0 = 1_700_000_000_000;
const budget = { key: 'tool:search', windowMs: 60_000, max: 2 };

/**
 * node:sqlite's shape (rows as objects, `{ changes }`, errors with a numeric errcode) over
 * better-sqlite3, so the node:sqlite adapter runs on Node 20, where node:sqlite does not exist.
 */
const fakeNodeSqlite: NodeSqliteModule = {
  DatabaseSync: class {
    private readonly db: Database.Database;
    constructor(path: string) {
      this.db = new Database(path);
    }
    prepare(sql: string) {
      const statement = this.db.prepare(sql);
      return {
        run: (...params: (string | number)[]) => asNode(() => ({ changes: statement.reader ? (statement.all(...params), 0) : statement.run(...params).changes })),
        get: (...params: (string | number)[]) =>
          asNode(() => (statement.reader ? (statement.get(...params) as Record<string, unknown> | undefined) : (statement.run(...params), undefined))),
      };
    }
    exec(sql: string): void {
      asNode(() => this.db.exec(sql));
    }
    close(): void {
      this.db.close();
    }
  },
};

function asNode<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const errcode = code.startsWith('SQLITE_BUSY') ? 5 : code.startsWith('SQLITE_LOCKED') ? 6 : 1;
    throw Object.assign(new Error((error as Error).message), { code: 'ERR_SQLITE_ERROR', errcode });
  }
}

describe('the SQLite store over the node:sqlite adapter', () => {
  test('counts, refuses past the budget, refunds, and keeps counts across reopening', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    const driver = nodeSqliteDriver(fakeNodeSqlite);
    try {
      const store = new SqliteStore(file, { driver });
      const first = store.acquire([budget], t0);
      expect(first).toMatchObject({ admitted: true, used: [1] });
      expect(store.acquire([budget], t0 + 1)).toMatchObject({ admitted: true, used: [2] });
      expect(store.acquire([budget], t0 + 2)).toMatchObject({ admitted: false, blockedIndex: 0, retryAfterMs: 59_998 });
      if (first instanceof Promise || !first.admitted) throw new Error('expected a synchronous admission');
      store.release(first.ticket);
      await store.close();

      const again = new SqliteStore(file, { driver });
      expect(again.acquire([budget], t0 + 3)).toMatchObject({ admitted: true, used: [2] });
      expect(again.acquire([budget], t0 + 4)).toMatchObject({ admitted: false });
      await again.close();
    } finally {
      dir.remove();
    }
  });

  test('waits out another connection’s write lock (errcode SQLITE_BUSY), rolling back each try', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    const store = new SqliteStore(file, { driver: nodeSqliteDriver(fakeNodeSqlite), busyTimeoutMs: 2000 });
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const waiting = store.acquire([budget], t0);
      expect(waiting).toBeInstanceOf(Promise);
      setTimeout(() => holder.exec('COMMIT'), 30);
      expect(await waiting).toMatchObject({ admitted: true, used: [1] });
    } finally {
      holder.close();
      await store.close();
      dir.remove();
    }
  });
});

test('isBusy knows both drivers’ busy errors and nothing else', () => {
  expect(isBusy(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
  expect(isBusy(Object.assign(new Error('locked'), { code: 'SQLITE_LOCKED_SHAREDCACHE' }))).toBe(true);
  expect(isBusy(Object.assign(new Error('locked'), { code: 'ERR_SQLITE_ERROR', errcode: 5 }))).toBe(true);
  expect(isBusy(Object.assign(new Error('locked'), { code: 'ERR_SQLITE_ERROR', errcode: 517 }))).toBe(true); // SQLITE_BUSY_SNAPSHOT
  expect(isBusy(Object.assign(new Error('full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 }))).toBe(false);
  expect(isBusy(Object.assign(new Error('io'), { code: 'SQLITE_IOERR' }))).toBe(false);
  expect(isBusy(undefined)).toBe(false);
});

test('on Node without node:sqlite the driver is better-sqlite3', () => {
  const builtin = process.getBuiltinModule?.('node:sqlite') !== undefined;
  expect(sqliteDriver().name).toBe(builtin ? 'node:sqlite' : 'better-sqlite3');
});

describe('DeferredStore', () => {
  test('checks the spec at once but opens nothing until asked', async () => {
    expect(() => new DeferredStore('ftp://x', { env: {} })).toThrow(PolicyWrapError);
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'sub', 'counters.sqlite');
      const store = new DeferredStore(file, { env: {} });
      expect(store).toMatchObject({ kind: 'sqlite', isOpen: false });
      expect(() => store.acquire([budget], t0)).toThrow('the sqlite limit store is not open');
      await store.close();
      expect(existsSync(join(dir.path, 'sub'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  test('opens once however often asked, then counts', async () => {
    const store = new DeferredStore('memory', { env: {} });
    await Promise.all([store.open(), store.open()]);
    expect(store.isOpen).toBe(true);
    expect(store.acquire([budget], t0)).toMatchObject({ admitted: true, used: [1] });
    await store.close();
  });
});
