import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PolicyWrapError } from '../errors.js';
import { errorMessage } from '../shared/values.js';
import type { RedisTime } from './redis-store.js';
import { describeStateLocation, resolveStateLocation, type StateLocationOptions } from './state-location.js';
import type { LimitStore } from './types.js';

/** What opening any part's store (counters, approvals, pins) takes besides the spec. */
export interface StateBackendOptions extends StateLocationOptions {
  /** SQLite: how long a call waits for another process's write lock; default 2000 ms. */
  busyTimeoutMs?: number;
  /** Redis: prefix of every key, the same for every part; default "policy-wrap:". */
  redisKeyPrefix?: string;
}

export interface OpenStoreOptions extends StateBackendOptions {
  /** Redis: whose clock counts; default the server's (see RedisTime). */
  redisTime?: RedisTime;
}

/**
 * Opens the store a spec names (see resolveStateLocation). A SQLite file that cannot be created or
 * opened is a start-up error (PolicyWrapError state.open-failed, exit 2): nothing has run yet, so
 * refusing to start is clearer than refusing every call. Trouble later, a file that stops being
 * writable or a Redis that goes away, fails single calls instead: each acquire throws and the
 * limiter turns that into `store-unavailable`. Redis connects lazily, so an unreachable Redis is
 * found on the first call, not here. Each backend's module loads only when chosen, and SQLite's
 * native part only when a SQLite store is opened: no SQLite to open it with is PolicyWrapError
 * state.unavailable (exit 2). deferStore waits until a policy has limits.
 */
export async function openStore(spec: string | undefined, options: OpenStoreOptions = {}): Promise<LimitStore> {
  return openStateBackend<LimitStore>(spec, options, {
    memory: async () => new (await import('./memory-store.js')).MemoryStore(),
    redis: async (url) => new (await import('./redis-store.js')).RedisStore({ url, keyPrefix: options.redisKeyPrefix, time: options.redisTime }),
    sqlite: async (path) => new (await import('./sqlite-store.js')).SqliteStore(path, { busyTimeoutMs: options.busyTimeoutMs }),
  });
}

/** How one part (counters, approvals, pins) opens its store in each kind of state location. */
export interface StateBackends<T> {
  memory(): Promise<T>;
  redis(url: string): Promise<T>;
  sqlite(path: string): Promise<T>;
}

/**
 * Opens a part's store where the spec says (see resolveStateLocation), the same way for every
 * part: a SQLite file's folder is made if missing (0700, existing ones keep their mode), and a
 * file that cannot be created or opened is PolicyWrapError state.open-failed; one already saying
 * what is wrong (state.unavailable: no SQLite to open it with) goes through as it is.
 */
export async function openStateBackend<T>(spec: string | undefined, options: StateLocationOptions, backends: StateBackends<T>): Promise<T> {
  const location = resolveStateLocation(spec, options);
  switch (location.kind) {
    case 'memory':
      return backends.memory();
    case 'redis':
      return backends.redis(location.url);
    case 'sqlite':
      try {
        mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 });
        return await backends.sqlite(location.path);
      } catch (error) {
        if (error instanceof PolicyWrapError) throw error;
        throw new PolicyWrapError(
          'state.open-failed',
          `cannot open the ${describeStateLocation(location)}: ${errorMessage(error)}; choose another with --state or POLICY_WRAP_STATE`,
          { cause: error },
        );
      }
  }
}
