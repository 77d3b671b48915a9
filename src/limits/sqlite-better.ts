import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteDriver, SqliteValue } from './sqlite-driver.js';

/**
 * better-sqlite3, an optional dependency for Node without node:sqlite. Loaded with require, so
 * the SQLite store can open synchronously; throws when the package is missing or its native
 * part was never built. An in-memory database is opened once to find the latter here, not later.
 */
export function betterSqliteDriver(): SqliteDriver {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  new Database(':memory:').close();
  return { name: 'better-sqlite3', open: (path, busyTimeoutMs) => wrap(new Database(path, { timeout: busyTimeoutMs })) };
}

function wrap(db: BetterSqlite3.Database): SqliteDatabase {
  return {
    prepare(sql) {
      const statement = db.prepare<SqliteValue[], unknown>(sql);
      if (statement.reader) statement.pluck();
      return {
        run: (...params) => statement.run(...params).changes,
        number(...params) {
          const value = statement.get(...params);
          return typeof value === 'number' ? value : undefined;
        },
        text(...params) {
          const value = statement.get(...params);
          return typeof value === 'string' ? value : undefined;
        },
      };
    },
    exec: (sql) => void db.exec(sql),
    pragma: (text) => db.pragma(text, { simple: true }),
    immediate<A extends unknown[], R>(fn: (...args: A) => R) {
      const transaction = db.transaction(fn);
      return (...args: A): R => transaction.immediate(...args) as R;
    },
    get open() {
      return db.open;
    },
    close: () => void db.close(),
  };
}
