import { PolicyWrapError } from '../errors.js';
import { errorMessage } from '../shared/values.js';
import { betterSqliteDriver } from './sqlite-better.js';
import { builtinSqliteDriver } from './sqlite-builtin.js';

/** What the SQLite store binds: texts and whole numbers. */
export type SqliteValue = string | number;

export interface SqliteStatement {
  /** Runs a statement that changes rows; how many rows it changed. */
  run(...params: SqliteValue[]): number;
  /** The first column of the first row as a number, or undefined when there is no row. */
  number(...params: SqliteValue[]): number | undefined;
  /** The first column of the first row as a text, or undefined when there is no row or it is not a text. */
  text(...params: SqliteValue[]): string | undefined;
}

/** The few calls the SQLite store makes, the same over node:sqlite and better-sqlite3. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  /** Runs `PRAGMA <text>`; the first column of its first row, if it has one. */
  pragma(text: string): unknown;
  /** Wraps fn so each call runs in one BEGIN IMMEDIATE transaction, rolled back when fn throws. */
  immediate<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  readonly open: boolean;
  close(): void;
}

export interface SqliteDriver {
  readonly name: 'node:sqlite' | 'better-sqlite3';
  /** Opens (creating if needed) the file; SQLite waits up to busyTimeoutMs for another process's lock. */
  open(path: string, busyTimeoutMs: number): SqliteDatabase;
}

let loaded: SqliteDriver | undefined;

/**
 * The SQLite this Node can use: node:sqlite where it is built in and needs no flag (Node 22.13,
 * 23.4 and later), else better-sqlite3, loaded here and only here, on first use. A better-sqlite3
 * that is missing or was installed without its build (`--ignore-scripts`) is one line saying what
 * to do: PolicyWrapError state.unavailable, exit 2.
 */
export function sqliteDriver(): SqliteDriver {
  loaded ??= builtinSqliteDriver() ?? loadBetterSqlite();
  return loaded;
}

function loadBetterSqlite(): SqliteDriver {
  try {
    return betterSqliteDriver();
  } catch (error) {
    throw new PolicyWrapError(
      'state.unavailable',
      'counting limits needs SQLite: better-sqlite3 is not installed or not built (installed with --ignore-scripts?); ' +
        'run "npm rebuild better-sqlite3", or use --state memory or --state redis://…, or Node 22.13 or later',
      { cause: new Error(errorMessage(error).split('\n')[0], { cause: error }) },
    );
  }
}

/** SQLITE_BUSY or SQLITE_LOCKED (extended codes included), as either driver reports it. */
export function isBusy(error: unknown): boolean {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return true;
  // node:sqlite: code ERR_SQLITE_ERROR, the SQLite result code in errcode (primary code in the low byte).
  return typeof errcode === 'number' && ((errcode & 0xff) === 5 || (errcode & 0xff) === 6);
}
