import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisApprovalStore } from '../../../src/approvals/redis-approvals.js';
import { testRedisUrl } from '../../support/redis.js';
import { approvalStoreContract, request, t0 } from './contract.js';
import { raceForVerdicts } from './race.js';

describe('the Redis approval store', () => {
  approvalStoreContract({
    name: 'redis',
    async open() {
      const url = testRedisUrl();
      const keyPrefix = `test-approvals-${randomUUID()}:`;
      const store = new RedisApprovalStore({ url, keyPrefix });
      const others: RedisApprovalStore[] = [];
      return {
        store,
        async another() {
          const other = new RedisApprovalStore({ url, keyPrefix });
          others.push(other);
          return other;
        },
        async dispose() {
          await store.close();
          for (const other of others) await other.close();
        },
      };
    },
  });
});

describe('approvals in the counters’ Redis', () => {
  test('keys live under the prefix: one string per approval and an index, both expiring', async () => {
    const url = testRedisUrl();
    const keyPrefix = `test-approvals-${randomUUID()}:`;
    const store = new RedisApprovalStore({ url, keyPrefix });
    const redis = new Redis(url);
    try {
      const now = Date.now();
      const asked = await store.ask(request(), 120_000, now);
      expect((await redis.keys(`${keyPrefix}*`)).sort()).toEqual([`${keyPrefix}approval:${asked.code}`, `${keyPrefix}approvals`]);
      expect(JSON.parse((await redis.get(`${keyPrefix}approval:${asked.code}`)) ?? 'null')).toEqual(asked);
      expect(await redis.zrange(`${keyPrefix}approvals`, '0', '-1')).toEqual([asked.code]);
      const ttl = await redis.pttl(`${keyPrefix}approval:${asked.code}`);
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
      await store.decide(asked.code, 'approved', 'alice', now);
      await store.lookup({ tool: asked.tool, grant: asked.grant, session: asked.session, argumentsDigest: asked.argumentsDigest }, now);
      expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);
    } finally {
      await store.close();
      redis.disconnect();
    }
  });

  test('expired records leave the index when next read', async () => {
    const url = testRedisUrl();
    const keyPrefix = `test-approvals-${randomUUID()}:`;
    const store = new RedisApprovalStore({ url, keyPrefix });
    const redis = new Redis(url);
    try {
      await store.ask(request({ argumentsDigest: 'sha256:old' }), 1_000, t0);
      const kept = await store.ask(request({ argumentsDigest: 'sha256:new' }), 120_000, t0 + 5_000);
      expect(await store.list(t0 + 5_000)).toEqual([kept]);
      expect(await redis.zrange(`${keyPrefix}approvals`, '0', '-1')).toEqual([kept.code]);
      expect(await redis.keys(`${keyPrefix}approval:*`)).toEqual([`${keyPrefix}approval:${kept.code}`]);
    } finally {
      await store.close();
      redis.disconnect();
    }
  });

  test('an unreachable Redis fails the call with a clear message', async () => {
    const store = new RedisApprovalStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
    try {
      await expect(store.list(t0)).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    } finally {
      await store.close();
    }
  });

  test('processes racing on one Redis: every one-call approval and denial is used by exactly one of them', async () => {
    await raceForVerdicts(testRedisUrl(), `test-approvals-${randomUUID()}:`);
  });
});
