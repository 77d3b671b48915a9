import { Redis } from 'ioredis';
import { checkedPin } from './definition.js';
import type { PinnedTool, PinStore } from './types.js';
import { RedisConnection } from '../limits/redis-connection.js';

export interface RedisPinStoreOptions {
  url: string;
  /** Prepended to every key, as for the counters; default "policy-wrap:". */
  keyPrefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/*
 * Keys, under the counters' prefix P (default "policy-wrap:"): P pins:<server> is a hash from tool
 * name to the PinnedTool as JSON, without expiry. New pins are HSETNX (the first writer wins);
 * accepting is DEL and HSET in one MULTI.
 */
export class RedisPinStore implements PinStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly connection: RedisConnection;

  constructor(options: RedisPinStoreOptions) {
    this.prefix = `${options.keyPrefix ?? 'policy-wrap:'}pins:`;
    this.connection = new RedisConnection({ ...options, what: 'Redis pin store' });
    this.client = this.connection.client;
  }

  async load(server: string): Promise<Map<string, PinnedTool>> {
    await this.connection.ready();
    return pinsOf(await this.client.hgetall(this.prefix + server));
  }

  async pinNew(server: string, pins: readonly PinnedTool[]): Promise<Map<string, PinnedTool>> {
    await this.connection.ready();
    const key = this.prefix + server;
    const batch = this.client.multi();
    for (const pin of pins) batch.hsetnx(key, pin.name, JSON.stringify(pin));
    batch.hgetall(key);
    const replies = (await batch.exec()) ?? [];
    const last = replies.at(-1);
    if (last === undefined || last[0] !== null) throw last?.[0] ?? new Error('the Redis transaction was aborted');
    return pinsOf(last[1] as Record<string, string>);
  }

  async replace(server: string, pins: readonly PinnedTool[]): Promise<void> {
    await this.connection.ready();
    const key = this.prefix + server;
    const batch = this.client.multi().del(key);
    for (const pin of pins) batch.hset(key, pin.name, JSON.stringify(pin));
    const replies = (await batch.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
  }

  close(): Promise<void> {
    return this.connection.close();
  }

}

function pinsOf(hash: Record<string, string>): Map<string, PinnedTool> {
  const pins = new Map<string, PinnedTool>();
  for (const text of Object.values(hash)) {
    let pin: PinnedTool | undefined;
    try {
      pin = checkedPin(JSON.parse(text));
    } catch {
      pin = undefined;
    }
    if (pin !== undefined) pins.set(pin.name, pin);
  }
  return pins;
}
