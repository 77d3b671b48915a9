import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { longestWindowByKey, retryAfterMs, windowStart } from './budgets.js';
import type { Acquisition, Budget, LimitStore, Peek, Ticket } from './types.js';
import { RedisConnection } from './redis-connection.js';

/**
 * Whose clock places admissions in their windows.
 * - `server` (default): the Redis server's TIME, read inside the script. Every machine sharing the
 *   Redis then agrees on one clock, so the budget holds even when their clocks drift apart; the
 *   `nowMs` given to acquire is ignored.
 * - `caller`: the `nowMs` given to acquire (the limiter's injected clock). Lets tests cross windows
 *   without sleeping; machines sharing a Redis this way need synchronized clocks, since a machine
 *   whose clock runs ahead prunes the others' admissions early and admits too much.
 * Every process sharing one key prefix must use the same choice.
 */
export type RedisTime = 'server' | 'caller';

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://` for TLS) */
  url: string;
  /** Prepended to every budget key; default "policy-wrap:". */
  keyPrefix?: string;
  time?: RedisTime;
  connectTimeoutMs?: number;
  /** A call waits at most this long for Redis before the store counts as unavailable. */
  commandTimeoutMs?: number;
}

/*
 * One sorted set per key: member = ticket id, score = admission time (ms). Pruning by the longest
 * window given for a key, counting, and adding happen in one script, so no other client runs
 * between check and count. All keys are passed in KEYS, so one call covers every budget.
 * ARGV: time mode, nowMs, ticket id, then per budget: key index (1-based), windowMs, max.
 * Returns {admitted 0|1, now, blocked budget (1-based, 0 if none), retryAfterMs, used...}.
 */
const acquireScript = `
local now
if ARGV[1] == 'server' then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[2])
end
local id = ARGV[3]
local n = (#ARGV - 3) / 3
local longest = {}
for i = 0, n - 1 do
  local k = tonumber(ARGV[4 + i * 3])
  local w = tonumber(ARGV[5 + i * 3])
  if longest[k] == nil or longest[k] < w then longest[k] = w end
end
for k, w in pairs(longest) do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', string.format('%d', now - w))
end
local used = {}
local blocked = 0
local retry = 0
for i = 0, n - 1 do
  local k = tonumber(ARGV[4 + i * 3])
  local w = tonumber(ARGV[5 + i * 3])
  local max = tonumber(ARGV[6 + i * 3])
  local since = '(' .. string.format('%d', now - w)
  local c = redis.call('ZCOUNT', KEYS[k], since, '+inf')
  used[i + 1] = c
  if blocked == 0 and c >= max then
    blocked = i + 1
    retry = w
    if max > 0 then
      local e = redis.call('ZRANGEBYSCORE', KEYS[k], since, '+inf', 'WITHSCORES', 'LIMIT', c - max, 1)
      if e[2] then retry = math.max(1, tonumber(e[2]) + w - now) end
    end
  end
end
if blocked > 0 then
  return {0, now, blocked, retry, unpack(used)}
end
for k, w in pairs(longest) do
  redis.call('ZADD', KEYS[k], now, id)
  redis.call('PEXPIRE', KEYS[k], w)
end
for i = 1, n do used[i] = used[i] + 1 end
return {1, now, 0, 0, unpack(used)}
`;

const releaseScript = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
`;

interface ScriptedRedis extends Redis {
  policyWrapAcquire(...args: (string | number)[]): Promise<number[]>;
  policyWrapRelease(...args: (string | number)[]): Promise<number>;
}

/**
 * Counts in a Redis server, shared by every machine that reaches it. Asynchronous. Connects on the
 * first call and never queues calls while disconnected: a Redis that cannot be reached fails each
 * call within the connect or command timeout, and the limiter decides what that means. A call that
 * times out may still have been counted by the server; the error then costs a slot, never adds one.
 * Redis Cluster is not supported: one call's keys may live on different nodes.
 */
export class RedisStore implements LimitStore {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  private readonly keyPrefix: string;
  private readonly time: RedisTime;
  private readonly connection: RedisConnection;

  constructor(options: RedisStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? 'policy-wrap:';
    this.time = options.time ?? 'server';
    this.connection = new RedisConnection({ ...options, what: 'Redis store' });
    const client = this.connection.client;
    client.defineCommand('policyWrapAcquire', { lua: acquireScript });
    client.defineCommand('policyWrapRelease', { lua: releaseScript });
    this.client = client as ScriptedRedis;
  }

  async acquire(budgets: readonly Budget[], nowMs: number): Promise<Acquisition> {
    await this.connection.ready();
    const windows = longestWindowByKey(budgets);
    const keys = [...windows.keys()];
    const id = randomUUID();
    const args: (string | number)[] = [keys.length, ...keys.map((key) => this.keyPrefix + key), this.time, nowMs, id];
    for (const budget of budgets) args.push(keys.indexOf(budget.key) + 1, budget.windowMs, budget.max);

    const reply = await this.client.policyWrapAcquire(...args);
    const [admitted, atMs, blocked, retryAfterMs, ...used] = reply;
    if (atMs === undefined || blocked === undefined || retryAfterMs === undefined || used.length !== budgets.length) {
      throw new Error(`unexpected reply from Redis at ${this.connection.where}: ${JSON.stringify(reply)}`);
    }
    if (admitted === 1) return { admitted: true, ticket: { id, keys, atMs }, used };
    return { admitted: false, blockedIndex: blocked - 1, retryAfterMs, used };
  }

  async release(ticket: Ticket): Promise<void> {
    if (ticket.keys.length === 0) return;
    await this.connection.ready();
    await this.client.policyWrapRelease(ticket.keys.length, ...ticket.keys.map((key) => this.keyPrefix + key), ticket.id);
  }

  /**
   * What the acquire script would find, read with ZCOUNT and ZRANGEBYSCORE over the same keys and
   * the same clock, writing nothing. Not atomic: counts may move between the reads.
   */
  async peek(budgets: readonly Budget[], nowMs: number): Promise<Peek> {
    await this.connection.ready();
    const now = this.time === 'server' ? serverMs(await this.client.time()) : nowMs;
    const since = (budget: Budget): string => `(${windowStart(now, budget.windowMs)}`;
    const used = await Promise.all(budgets.map((budget) => this.client.zcount(this.keyPrefix + budget.key, since(budget), '+inf')));
    const retry = await Promise.all(
      budgets.map(async (budget, i) => {
        const n = used[i] ?? 0;
        if (n < budget.max) return 0;
        if (budget.max <= 0) return retryAfterMs(budget, now, undefined);
        const entry = await this.client.zrangebyscore(this.keyPrefix + budget.key, since(budget), '+inf', 'WITHSCORES', 'LIMIT', n - budget.max, 1);
        return retryAfterMs(budget, now, entry[1] === undefined ? undefined : Number(entry[1]));
      }),
    );
    return { used, retryAfterMs: retry };
  }

  close(): Promise<void> {
    return this.connection.close();
  }

}

/** Redis TIME ([seconds, microseconds]) in milliseconds, as the acquire script computes it. */
function serverMs([seconds, micros]: readonly (string | number)[]): number {
  return Number(seconds) * 1000 + Math.floor(Number(micros ?? 0) / 1000);
}
