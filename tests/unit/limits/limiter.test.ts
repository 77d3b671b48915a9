import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { RedisStore } from '../../../src/limits/redis-store.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import type { Ticket } from '../../../src/limits/types.js';
import { testRedisUrl } from '../../support/redis.js';
import { scratchDir } from './store-cases.js';

const t0 = 1_700_000_000_000;
const budget = { key: 'tool:search', windowMs: 60_000, max: 2 };

/** A SQLite store whose file handle is already closed: every call throws synchronously. */
async function closedSqliteStore(): Promise<SqliteStore> {
  const dir = scratchDir();
  const store = new SqliteStore(join(dir.path, 'counters.sqlite'));
  await store.close();
  dir.remove();
  return store;
}

describe('Limiter', () => {
  test('admits, then limits with the retry time, by the injected clock', () => {
    let now = t0;
    const limiter = new Limiter({ store: new MemoryStore(), clock: () => now });
    expect(limiter.admit([budget])).toMatchObject({ status: 'admitted', used: [1] });
    now += 1_000;
    expect(limiter.admit([budget])).toMatchObject({ status: 'admitted', used: [2] });
    now += 1_000;
    expect(limiter.admit([budget])).toEqual({ status: 'limited', blockedIndex: 0, retryAfterMs: 58_000, used: [2] });
    now = t0 + 60_000;
    expect(limiter.admit([budget])).toMatchObject({ status: 'admitted', used: [2] });
  });

  test('answers synchronously for a synchronous store', () => {
    const limiter = new Limiter({ store: new MemoryStore(), clock: () => t0 });
    const admission = limiter.admit([budget]);
    expect(admission).not.toBeInstanceOf(Promise);
    if (admission instanceof Promise || admission.status !== 'admitted') throw new Error('expected an admission');
    expect(limiter.refund(admission.ticket)).toEqual({ ok: true });
  });

  test('refunding gives the slot back', () => {
    const limiter = new Limiter({ store: new MemoryStore(), clock: () => t0 });
    const first = limiter.admit([budget]);
    limiter.admit([budget]);
    expect(limiter.admit([budget])).toMatchObject({ status: 'limited' });
    if (first instanceof Promise || first.status !== 'admitted') throw new Error('expected an admission');
    limiter.refund(first.ticket);
    expect(limiter.admit([budget])).toMatchObject({ status: 'admitted', used: [2] });
  });

  test('without budgets, admits at once without touching the store', async () => {
    const limiter = new Limiter({ store: await closedSqliteStore(), failMode: 'closed' });
    expect(limiter.admit([])).toEqual({ status: 'admitted', ticket: undefined, used: [] });
    expect(limiter.refund(undefined)).toEqual({ ok: true });
  });

  test('fails closed by default when the store throws', async () => {
    const limiter = new Limiter({ store: await closedSqliteStore() });
    expect(limiter.admit([budget])).toEqual({
      status: 'store-unavailable',
      error: 'limit store unavailable: The database connection is not open',
      failedOpen: false,
    });
  });

  test('fails open when asked, saying so', async () => {
    const limiter = new Limiter({ store: await closedSqliteStore(), failMode: 'open' });
    expect(limiter.admit([budget])).toMatchObject({ status: 'store-unavailable', failedOpen: true });
  });

  test('a refund the store cannot make is reported, not thrown', async () => {
    const limiter = new Limiter({ store: await closedSqliteStore() });
    const ticket: Ticket = { id: randomUUID(), keys: ['tool:search'], atMs: t0 };
    expect(limiter.refund(ticket)).toEqual({ ok: false, error: 'limit store unavailable: The database connection is not open' });
    await expect(limiter.close()).resolves.toBeUndefined();
    await expect(limiter.close()).resolves.toBeUndefined();
  });

  test('a clock that throws makes the store unavailable, not the caller fail', () => {
    const limiter = new Limiter({
      store: new MemoryStore(),
      clock: () => {
        throw new Error('clock gone');
      },
    });
    expect(limiter.admit([budget])).toEqual({ status: 'store-unavailable', error: 'limit store unavailable: clock gone', failedOpen: false });
  });

  describe('over an asynchronous store', () => {
    test('resolves admissions, refunds and limits', async () => {
      const store = new RedisStore({ url: testRedisUrl(), keyPrefix: `policy-wrap-test:${randomUUID()}:`, time: 'caller' });
      const limiter = new Limiter({ store, clock: () => t0 });
      try {
        const first = limiter.admit([budget]);
        expect(first).toBeInstanceOf(Promise);
        const admitted = await first;
        expect(admitted).toMatchObject({ status: 'admitted', used: [1] });
        await limiter.admit([budget]);
        expect(await limiter.admit([budget])).toMatchObject({ status: 'limited', blockedIndex: 0, retryAfterMs: 60_000 });
        if (admitted.status !== 'admitted') throw new Error('expected an admission');
        expect(await limiter.refund(admitted.ticket)).toEqual({ ok: true });
        expect(await limiter.admit([budget])).toMatchObject({ status: 'admitted', used: [2] });
      } finally {
        await limiter.close();
      }
    });

    test('turns a rejected call into store-unavailable, closed or open', async () => {
      const store = new RedisStore({ url: testRedisUrl(), keyPrefix: 'policy-wrap-test:' });
      await store.close();
      const closed = new Limiter({ store, failMode: 'closed' });
      const open = new Limiter({ store, failMode: 'open' });
      expect(await closed.admit([budget])).toEqual({
        status: 'store-unavailable',
        error: expect.stringMatching(/^limit store unavailable: .*closed/),
        failedOpen: false,
      });
      expect(await open.admit([budget])).toMatchObject({ status: 'store-unavailable', failedOpen: true });
      expect(await closed.refund({ id: randomUUID(), keys: ['k'], atMs: t0 })).toMatchObject({ ok: false });
    });
  });
});
