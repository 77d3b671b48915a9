import { Redis } from 'ioredis';
import { newApprovalCode, normalizeApprovalCode } from './codes.js';
import { byAge, checkedRecord, isLive, pendingOf, type ApprovalCall } from './records.js';
import { isDecided, type ApprovalRecord, type ApprovalRequest, type ApprovalStore, type ApprovalVerdict, type DecidedApproval, type Lookup, type PendingApproval } from './types.js';
import { RedisConnection } from '../limits/redis-connection.js';

export interface RedisApprovalStoreOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://` for TLS) */
  url: string;
  /** Prepended to every key, as for the counters; default "policy-wrap:". */
  keyPrefix?: string;
  connectTimeoutMs?: number;
  /** A call waits at most this long for Redis before it fails. */
  commandTimeoutMs?: number;
}

/*
 * Keys, under the counters' prefix P (default "policy-wrap:"):
 * - P approval:<code>  a string, the ApprovalRecord as JSON; expires (PX) when the record stops
 *   being live, so a Redis nobody prunes still empties itself;
 * - P approvals        a sorted set of the live codes, scored by createdMs: the index that
 *   lookup and list walk (there are only ever a few live approvals).
 * Times are the caller's nowMs (the wrapper's clock; machines sharing a Redis need synchronized
 * clocks for approvals to expire on time). Every change is one Lua script, so a lookup that uses
 * up a one-call approval or a denial deletes it before any other client runs: two wrappers never
 * both use one. The scripts repeat the rules of records.ts (matchesCall, answering, isUsedUp,
 * decidedOf); the unit tests hold the stores to the same behaviour.
 */

/** Drops an index entry whose record is gone or no longer live; returns the record's JSON when live. */
const liveRecordLua = `
local function live_record(prefix, index, code, now)
  local key = prefix .. code
  local text = redis.call('GET', key)
  if not text then
    redis.call('ZREM', index, code)
    return nil, nil
  end
  local ok, r = pcall(cjson.decode, text)
  if not ok or type(r) ~= 'table' then
    redis.call('ZREM', index, code)
    redis.call('DEL', key)
    return nil, nil
  end
  local untilMs = r.expiresMs
  if r.verdict then untilMs = r.usableUntilMs end
  if type(untilMs) ~= 'number' or untilMs <= now then
    redis.call('ZREM', index, code)
    redis.call('DEL', key)
    return nil, nil
  end
  return text, r
end
`;

/** KEYS[1] index. ARGV: record key prefix, nowMs, tool, grant, session, digest. Returns the answering record's JSON and 1 when it was used up, or nothing. */
const lookupScript = `${liveRecordLua}
local now = tonumber(ARGV[2])
local best, bestText, bestRank
for _, code in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local text, r = live_record(ARGV[1], KEYS[1], code, now)
  if text and r.tool == ARGV[3] and r.grant == ARGV[4] and r.argumentsDigest == ARGV[6]
     and (type(r.remember) ~= 'table' or r.remember.kind ~= 'session' or r.session == ARGV[5]) then
    local rank = r.createdMs
    if r.verdict then rank = 4503599627370496 + r.decidedMs end
    if bestRank == nil or rank > bestRank then
      best, bestText, bestRank = r, text, rank
    end
  end
end
if best == nil then return false end
local usedUp = 0
if best.verdict and (best.verdict == 'denied' or best.remember.kind == 'call') then
  redis.call('DEL', ARGV[1] .. best.code)
  redis.call('ZREM', KEYS[1], best.code)
  usedUp = 1
end
return {bestText, usedUp}
`;

/** KEYS[1] index, KEYS[2] record key. ARGV: record JSON, code, createdMs, ttlMs. 1 when stored, 0 when the code is taken. */
const askScript = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1
`;

/**
 * KEYS[1] index, KEYS[2] record key. ARGV: record key prefix, code, nowMs, verdict, by as JSON.
 * The decided record is the stored JSON with four members added, so its numbers are never
 * re-encoded by cjson. Returns the new JSON, or false when no live pending record has that code.
 */
const decideScript = `${liveRecordLua}
local now = tonumber(ARGV[3])
local text, r = live_record(ARGV[1], KEYS[1], ARGV[2], now)
if not text or r.verdict then return false end
local span = r.expiresMs - r.createdMs
if ARGV[4] == 'approved' and type(r.remember) == 'table' and r.remember.kind == 'for' then span = r.remember.ms end
if span < 0 then span = 0 end
local usable = now + span
local decided = string.sub(text, 1, -2) .. ',"verdict":' .. cjson.encode(ARGV[4]) .. ',"by":' .. ARGV[5]
  .. ',"decidedMs":' .. string.format('%d', now) .. ',"usableUntilMs":' .. string.format('%d', usable) .. '}'
if usable <= now then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[2], decided, 'PX', string.format('%d', usable - now))
end
return decided
`;

/** KEYS[1] index. ARGV: record key prefix, nowMs. The live records' JSON, oldest first. */
const listScript = `${liveRecordLua}
local now = tonumber(ARGV[2])
local out = {}
for _, code in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local text = live_record(ARGV[1], KEYS[1], code, now)
  if text then table.insert(out, text) end
end
return out
`;

interface ScriptedRedis extends Redis {
  policyWrapApprovalLookup(...args: (string | number)[]): Promise<[string, number] | null>;
  policyWrapApprovalAsk(...args: (string | number)[]): Promise<number>;
  policyWrapApprovalDecide(...args: (string | number)[]): Promise<string | null>;
  policyWrapApprovalList(...args: (string | number)[]): Promise<string[]>;
}

/**
 * Approvals in the Redis the counters use, so a person can answer from any machine that reaches
 * it. Connects on the first call and fails fast while disconnected, like the counter store.
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  private readonly recordPrefix: string;
  private readonly index: string;
  private readonly connection: RedisConnection;

  constructor(options: RedisApprovalStoreOptions) {
    const prefix = options.keyPrefix ?? 'policy-wrap:';
    this.recordPrefix = `${prefix}approval:`;
    this.index = `${prefix}approvals`;
    this.connection = new RedisConnection({ ...options, what: 'Redis approval store' });
    const client = this.connection.client;
    client.defineCommand('policyWrapApprovalLookup', { lua: lookupScript, numberOfKeys: 1 });
    client.defineCommand('policyWrapApprovalAsk', { lua: askScript, numberOfKeys: 2 });
    client.defineCommand('policyWrapApprovalDecide', { lua: decideScript, numberOfKeys: 2 });
    client.defineCommand('policyWrapApprovalList', { lua: listScript, numberOfKeys: 1 });
    this.client = client as ScriptedRedis;
  }

  async lookup(call: ApprovalCall, nowMs: number): Promise<Lookup> {
    await this.connection.ready();
    const reply = await this.client.policyWrapApprovalLookup(this.index, this.recordPrefix, nowMs, call.tool, call.grant, call.session, call.argumentsDigest);
    if (reply === null) return { kind: 'none' };
    const record = checkedRecord(JSON.parse(reply[0]));
    return isDecided(record) ? { kind: 'decided', approval: record } : { kind: 'pending', approval: record };
  }

  async ask(request: ApprovalRequest, timeoutMs: number, nowMs: number): Promise<PendingApproval> {
    await this.connection.ready();
    for (;;) {
      const pending = pendingOf(request, newApprovalCode(), timeoutMs, nowMs);
      const ttlMs = Math.max(1, pending.expiresMs - nowMs);
      const stored = await this.client.policyWrapApprovalAsk(this.index, this.recordPrefix + pending.code, JSON.stringify(pending), pending.code, pending.createdMs, ttlMs);
      if (stored === 1) return pending;
    }
  }

  async list(nowMs: number): Promise<ApprovalRecord[]> {
    await this.connection.ready();
    const texts = await this.client.policyWrapApprovalList(this.index, this.recordPrefix, nowMs);
    return texts.map((text) => checkedRecord(JSON.parse(text))).sort(byAge);
  }

  async get(code: string, nowMs: number): Promise<ApprovalRecord | undefined> {
    const normal = normalizeApprovalCode(code);
    if (normal === undefined) return undefined;
    await this.connection.ready();
    const text = await this.client.get(this.recordPrefix + normal);
    if (text === null) return undefined;
    const record = checkedRecord(JSON.parse(text));
    return isLive(record, nowMs) ? record : undefined;
  }

  async decide(code: string, verdict: ApprovalVerdict, by: string, nowMs: number): Promise<boolean> {
    const normal = normalizeApprovalCode(code);
    if (normal === undefined) return false;
    await this.connection.ready();
    const reply = await this.client.policyWrapApprovalDecide(this.index, this.recordPrefix + normal, this.recordPrefix, normal, nowMs, verdict, JSON.stringify(by));
    if (reply === null) return false;
    checkedRecord(JSON.parse(reply) as DecidedApproval);
    return true;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

}
