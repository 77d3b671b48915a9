import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { RedisStore } from '../../../src/limits/redis-store.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import { testRedisUrl } from '../../support/redis.js';
import { scratchDir, storeCases } from './store-cases.js';

const minute = 60_000;
const t0 = 1_700_000_000_000;

describe.each(storeCases.filter((c) => c.name !== 'redis'))('$name store sweep', ({ open }) => {
  test('drops the entries of keys nobody asks for any more', async () => {
    const subject = open();
    try {
      for (let i = 0; i < 5; i += 1) await subject.store.acquire([{ key: `per:${i}`, windowMs: minute, max: 9 }], t0 + i);
      await subject.store.acquire([{ key: 'per:5', windowMs: minute, max: 9 }], t0 + 10 * minute);
      for (let i = 0; i < 5; i += 1) expect(await subject.storedEntries(`per:${i}`)).toBe(0);
      expect(await subject.storedEntries('per:5')).toBe(1);
    } finally {
      await subject.dispose();
    }
  });
});

describe('sqlite store file', () => {
  test('keeps each key count equal to its stored admissions through prunes, releases and sweeps', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    const store = new SqliteStore(file);
    const reader = new Database(file, { readonly: true });
    try {
      const tickets = [];
      for (let step = 0; step < 300; step += 1) {
        const key = `k${step % 7}`;
        const result = await store.acquire([{ key, windowMs: 5_000, max: 4 }, { key: 'all', windowMs: 20_000, max: 50 }], t0 + step * 250);
        if (result.admitted && step % 3 === 0) tickets.push(result.ticket);
        if (step % 11 === 0) {
          const ticket = tickets.shift();
          if (ticket) await store.release(ticket);
        }
      }
      const mismatched = reader
        .prepare('SELECT keys.key, keys.n, (SELECT COUNT(*) FROM hits WHERE hits.key = keys.key) AS stored FROM keys WHERE n != stored')
        .all();
      expect(mismatched).toEqual([]);
      expect(reader.prepare('SELECT COUNT(*) FROM hits WHERE key NOT IN (SELECT key FROM keys)').pluck().get()).toBe(0);
    } finally {
      reader.close();
      await store.close();
      dir.remove();
    }
  });

  test('runs in WAL mode', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    const store = new SqliteStore(file);
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      reader.close();
      await store.close();
      dir.remove();
    }
  });
});

describe('memory store', () => {
  test('keeps its log in order when the clock steps back', () => {
    const store = new MemoryStore();
    const budget = { key: 'k', windowMs: minute, max: 2 };
    store.acquire([budget], t0 + 5_000);
    store.acquire([budget], t0);
    expect(store.acquire([budget], t0 + 5_001)).toMatchObject({ admitted: false, retryAfterMs: minute - 5_001 });
  });

  test('a large budget under steady use keeps memory to about its window, and the oldest leave cheaply', () => {
    const store = new MemoryStore();
    const budget = { key: 'k', windowMs: 10_000, max: 1_000_000 };
    const logs = (store as unknown as { logs: Map<string, { size: number; at: number[] }> }).logs;
    for (let step = 0; step < 100_000; step += 1) {
      expect(store.acquire([budget], t0 + step)).toMatchObject({ admitted: true });
    }
    // 10,000 in the window; the arrays hold at most about twice that before they are compacted.
    expect(logs.get('k')?.size).toBe(10_000);
    expect(logs.get('k')?.at.length).toBeLessThanOrEqual(2 * 10_000 + 1_024);
  });

  test('a refund removes exactly the admission it was given for', () => {
    const store = new MemoryStore();
    const budget = { key: 'k', windowMs: minute, max: 2 };
    const first = store.acquire([budget], t0);
    store.acquire([budget], t0 + 1);
    if (!first.admitted) throw new Error('expected an admission');
    store.release(first.ticket);
    store.release(first.ticket);
    expect(store.acquire([budget], t0 + 2)).toMatchObject({ admitted: true, used: [2] });
    expect(store.acquire([budget], t0 + 3)).toMatchObject({ admitted: false });
  });
});

describe('redis store', () => {
  let reader: Redis | undefined;
  afterEach(() => {
    reader?.disconnect();
    reader = undefined;
  });

  test('keys expire one window after their newest admission', async () => {
    const url = testRedisUrl();
    const keyPrefix = `policy-wrap-test:${randomUUID()}:`;
    const store = new RedisStore({ url, keyPrefix, time: 'caller' });
    reader = new Redis(url);
    try {
      await store.acquire([{ key: 'k', windowMs: 5_000, max: 3 }, { key: 'k', windowMs: minute, max: 3 }], t0);
      const ttl = await reader.pttl(`${keyPrefix}k`);
      expect(ttl).toBeGreaterThan(5_000);
      expect(ttl).toBeLessThanOrEqual(minute);
    } finally {
      await store.close();
    }
  });

  test('with server time, counts by the Redis clock whatever time the caller gives', async () => {
    const url = testRedisUrl();
    const keyPrefix = `policy-wrap-test:${randomUUID()}:`;
    const store = new RedisStore({ url, keyPrefix });
    reader = new Redis(url);
    try {
      const [seconds, micros] = await reader.time();
      const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const budget = { key: 'k', windowMs: 3_600_000, max: 2 };
      const first = await store.acquire([budget], 0);
      expect(first).toMatchObject({ admitted: true, used: [1] });
      // The ticket carries the server's time, not the 0 passed in.
      if (first.admitted) expect(first.ticket.atMs).toBeGreaterThanOrEqual(serverNow);
      // A caller clock a day ahead does not move the window.
      expect(await store.acquire([budget], Date.now() + 86_400_000)).toMatchObject({ admitted: true, used: [2] });
      const refused = await store.acquire([budget], 0);
      expect(refused).toMatchObject({ admitted: false, blockedIndex: 0 });
      if (!refused.admitted) {
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(3_600_000);
      }
    } finally {
      await store.close();
    }
  });

  test('keeps the budgets of different key prefixes apart', async () => {
    const url = testRedisUrl();
    const one = new RedisStore({ url, keyPrefix: `policy-wrap-test:${randomUUID()}:`, time: 'caller' });
    const two = new RedisStore({ url, keyPrefix: `policy-wrap-test:${randomUUID()}:`, time: 'caller' });
    try {
      const budget = { key: 'k', windowMs: minute, max: 1 };
      expect(await one.acquire([budget], t0)).toMatchObject({ admitted: true });
      expect(await two.acquire([budget], t0)).toMatchObject({ admitted: true });
      expect(await one.acquire([budget], t0)).toMatchObject({ admitted: false });
    } finally {
      await one.close();
      await two.close();
    }
  });
});
