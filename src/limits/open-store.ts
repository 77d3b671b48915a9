import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PolicyWrapError } from '../errors.js';
import { errorMessage } from '../shared/values.js';
import type { RedisTime } from './redis-store.js';
import { describeStateLocation, resolveStateLocation, type StateLocationOptions } from './state-location.js';
import type { LimitStore } from './types.js';

export interface OpenStoreOptions extends StateLocationOptions {
  /** SQLite: how long a call waits for another process's write lock; default 2000 ms. */
  busyTimeoutMs?: number;
  /** Redis: prefix of every key; default "policy-wrap:". */
  redisKeyPrefix?: string;
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
  const location = resolveStateLocation(spec, options);
  switch (location.kind) {
    case 'memory': {
      const { MemoryStore } = await import('./memory-store.js');
      return new MemoryStore();
    }
    case 'redis': {
      const { RedisStore } = await import('./redis-store.js');
      return new RedisStore({ url: location.url, keyPrefix: options.redisKeyPrefix, time: options.redisTime });
    }
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite-store.js');
      try {
        // Only directories made here get 0700; existing ones keep their mode.
        mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 });
        return new SqliteStore(location.path, { busyTimeoutMs: options.busyTimeoutMs });
      } catch (error) {
        // state.unavailable: no SQLite to open it with; already one line with the fix.
        if (error instanceof PolicyWrapError) throw error;
        throw new PolicyWrapError(
          'state.open-failed',
          `cannot open the ${describeStateLocation(location)}: ${errorMessage(error)}; choose another with --state or POLICY_WRAP_STATE`,
          { cause: error },
        );
      }
    }
  }
}
