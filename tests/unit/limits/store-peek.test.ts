import { randomUUID } from 'node:crypto';
import { RedisStore } from '../../../src/limits/redis-store.js';
import type { Budget } from '../../../src/limits/types.js';
import { testRedisUrl } from '../../support/redis.js';
import { storeCases, type StoreUnderTest } from './store-cases.js';

const minute = 60_000;
const t0 = 1_700_000_000_000;

describe.each(storeCases)('$name store: peek', ({ open }) => {
  let subject: StoreUnderTest | undefined;
  const opened = (): StoreUnderTest => {
    if (!subject) throw new Error('the store did not open');
    return subject;
  };
  const peek = async (budgets: Budget[], nowMs: number) => {
    const { peek } = opened().store;
    if (peek === undefined) throw new Error('the store has no peek');
    return peek.call(opened().store, budgets, nowMs);
  };

  beforeEach(() => {
    subject = open();
  });
  afterEach(async () => {
    await subject?.dispose();
    subject = undefined;
  });

  test('reads 0 used for keys never counted, and counts nothing itself', async () => {
    const budget = { key: 'peek:new', windowMs: minute, max: 2 };
    expect(await peek([budget], t0)).toEqual({ used: [0], retryAfterMs: [0] });
    expect(await peek([budget], t0)).toEqual({ used: [0], retryAfterMs: [0] });
    expect(await opened().storedEntries(budget.key)).toBe(0);
    expect(await opened().store.acquire([budget], t0)).toMatchObject({ admitted: true, used: [1] });
  });

  test('sees what acquire sees, with the same retry time, and leaves the count as it was', async () => {
    const budget = { key: 'peek:full', windowMs: minute, max: 3 };
    const wider = { key: 'peek:full', windowMs: 10 * minute, max: 100 };
    for (let i = 0; i < 3; i += 1) await opened().store.acquire([budget], t0 + i * 1000);
    expect(await peek([budget, wider], t0 + 10_000)).toEqual({ used: [3, 3], retryAfterMs: [50_000, 0] });
    expect(await peek([budget, wider], t0 + 10_000)).toEqual({ used: [3, 3], retryAfterMs: [50_000, 0] });
    expect(await opened().store.acquire([budget], t0 + 10_000)).toEqual({ admitted: false, blockedIndex: 0, retryAfterMs: 50_000, used: [3] });
    // Once the oldest leaves the window there is room again, without anything having been pruned.
    expect(await peek([budget], t0 + minute)).toEqual({ used: [2], retryAfterMs: [0] });
    expect(await opened().storedEntries(budget.key)).toBe(3);
  });

  test('a budget with max 0 is full for a whole window', async () => {
    expect(await peek([{ key: 'peek:zero', windowMs: minute, max: 0 }], t0)).toEqual({ used: [0], retryAfterMs: [minute] });
  });
});

describe('redis store: peek with the server clock', () => {
  test('reads by the Redis server time, as the acquire script counts, not by the nowMs given', async () => {
    const url = testRedisUrl();
    const store = new RedisStore({ url, keyPrefix: `policy-wrap-test:${randomUUID()}:` });
    try {
      const budget = { key: 'peek:server-time', windowMs: minute, max: 1 };
      expect(await store.acquire([budget], 0)).toMatchObject({ admitted: true, used: [1] });
      // Ten years on by the caller's clock; by the server's, the admission is still in the window.
      const peeked = await store.peek([budget], Date.now() + 10 * 365 * 24 * 3_600_000);
      expect(peeked.used).toEqual([1]);
      expect(peeked.retryAfterMs[0]).toBeGreaterThan(minute - 10_000);
      expect(peeked.retryAfterMs[0]).toBeLessThanOrEqual(minute);
    } finally {
      await store.close();
    }
  });
});
