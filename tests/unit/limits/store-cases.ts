import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { RedisStore } from '../../../src/limits/redis-store.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import type { LimitStore } from '../../../src/limits/types.js';
import { testRedisUrl } from '../../support/redis.js';

/** A store under test plus a look at what it keeps, to check that expired entries go away. */
export interface StoreUnderTest {
  store: LimitStore;
  /** admissions stored for a key, expired ones included */
  storedEntries(key: string): Promise<number>;
  dispose(): Promise<void>;
}

export interface StoreCase {
  name: 'memory' | 'sqlite' | 'redis';
  open(): StoreUnderTest;
}

export function scratchDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'policy-wrap-limits-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const storeCases: StoreCase[] = [
  {
    name: 'memory',
    open() {
      const store = new MemoryStore();
      // The memory store has no outside view; its log is read directly.
      const logs = (store as unknown as { logs: Map<string, { size: number }> }).logs;
      return {
        store,
        storedEntries: async (key) => logs.get(key)?.size ?? 0,
        dispose: () => store.close(),
      };
    },
  },
  {
    name: 'sqlite',
    open() {
      const dir = scratchDir();
      const file = join(dir.path, 'counters.sqlite');
      const store = new SqliteStore(file);
      const reader = new Database(file, { readonly: true });
      const count = reader.prepare<[string], number>('SELECT COUNT(*) FROM hits WHERE key = ?').pluck();
      return {
        store,
        storedEntries: async (key) => count.get(key) ?? 0,
        async dispose() {
          reader.close();
          await store.close();
          dir.remove();
        },
      };
    },
  },
  {
    name: 'redis',
    open() {
      const url = testRedisUrl();
      const keyPrefix = `policy-wrap-test:${randomUUID()}:`;
      const store = new RedisStore({ url, keyPrefix, time: 'caller' });
      const reader = new Redis(url, { lazyConnect: true });
      return {
        store,
        storedEntries: (key) => reader.zcard(keyPrefix + key),
        async dispose() {
          await store.close();
          reader.disconnect();
        },
      };
    },
  },
];
