import { Redis } from 'ioredis';
import { maskedRedisUrl } from '../shared/redis-url.js';
import { errorMessage } from '../shared/values.js';

export interface RedisConnectionOptions {
  url: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** What the store is, for messages: "Redis store", "Redis approval store". */
  what: string;
}

/**
 * One store's connection to Redis, as every store here wants it: it connects on the first call and
 * never queues calls while disconnected, so a Redis that cannot be reached fails each call within
 * the connect or command timeout and the caller decides what that means.
 */
export class RedisConnection {
  readonly client: Redis;
  /** The URL with its password masked, for messages. */
  readonly where: string;
  private connecting: Promise<void> | undefined;
  private lastError: string | undefined;
  private closed = false;

  constructor(private readonly options: RedisConnectionOptions) {
    this.where = maskedRedisUrl(options.url);
    this.client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      enableOfflineQueue: false,
      // A call in flight when the connection drops fails at once instead of waiting for a reconnect,
      // and is never sent again: a script may already have done its work.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      // ioredis waits this long for a socket that already closed to close again before giving up
      // on it at disconnect, holding the process open; close() has already said goodbye by then.
      disconnectTimeout: 100,
    });
    // Without an error listener, a connection error would crash the process.
    this.client.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  /** Fails fast unless connected: the first call connects; while reconnecting, calls are refused. */
  async ready(): Promise<void> {
    if (this.closed) throw new Error(`the ${this.options.what} for ${this.where} is closed`);
    const status = this.client.status;
    if (status === 'ready') return;
    if (status === 'wait' || (status === 'end' && !this.connecting)) {
      this.connecting = this.client.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    try {
      if (this.connecting) return await this.connecting;
    } catch (error) {
      throw new Error(`cannot reach Redis at ${this.where}: ${this.lastError ?? errorMessage(error)}`);
    }
    throw new Error(`cannot reach Redis at ${this.where}: ${this.lastError ?? `connection ${status}`}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      await Promise.race([this.client.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    this.client.disconnect();
  }
}
