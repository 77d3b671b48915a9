import type { SqliteDatabase, SqliteDriver, SqliteValue } from './sqlite-driver.js';

/** The part of node:sqlite used here; declared because @types/node 20 has none of it. */
export interface NodeSqliteModule {
  DatabaseSync: new (path: string) => NodeDatabaseSync;
}

interface NodeDatabaseSync {
  prepare(sql: string): NodeStatementSync;
  exec(sql: string): void;
  close(): void;
}

interface NodeStatementSync {
  run(...params: SqliteValue[]): { changes: number | bigint };
  get(...params: SqliteValue[]): Record<string, unknown> | undefined;
}

/**
 * node:sqlite, when this Node has it without a flag (22.13, 23.4 and later); undefined elsewhere.
 * Node marks it experimental and prints one warning to stderr when it loads.
 */
export function builtinSqliteDriver(): SqliteDriver | undefined {
  let candidate: Partial<NodeSqliteModule> | undefined;
  try {
    candidate = process.getBuiltinModule?.('node:sqlite') as Partial<NodeSqliteModule> | undefined;
  } catch {
    return undefined;
  }
  return typeof candidate?.DatabaseSync === 'function' ? nodeSqliteDriver(candidate as NodeSqliteModule) : undefined;
}

export function nodeSqliteDriver(sqlite: NodeSqliteModule): SqliteDriver {
  return {
    name: 'node:sqlite',
    open(path, busyTimeoutMs) {
      const db = wrap(new sqlite.DatabaseSync(path));
      try {
        db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
      } catch (error) {
        db.close();
        throw error;
      }
      return db;
    },
  };
}

function wrap(db: NodeDatabaseSync): SqliteDatabase {
  let open = true;
  const firstColumn = (row: Record<string, unknown> | undefined): unknown => (row === undefined ? undefined : Object.values(row)[0]);
  return {
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        run: (...params) => Number(statement.run(...params).changes),
        number(...params) {
          const value = firstColumn(statement.get(...params));
          return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
        },
        text(...params) {
          const value = firstColumn(statement.get(...params));
          return typeof value === 'string' ? value : undefined;
        },
      };
    },
    exec: (sql) => db.exec(sql),
    pragma: (text) => firstColumn(db.prepare(`PRAGMA ${text}`).get()),
    immediate<A extends unknown[], R>(fn: (...args: A) => R) {
      return (...args: A): R => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = fn(...args);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          try {
            db.exec('ROLLBACK');
          } catch {
            // SQLite already rolled back (or BEGIN itself failed): nothing is open.
          }
          throw error;
        }
      };
    },
    get open() {
      return open;
    },
    close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}
