import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PolicyWrapError } from '../errors.js';
import { describeStateLocation, resolveStateLocation, type StateLocationOptions } from '../limits/state-location.js';
import { errorMessage } from '../shared/values.js';
import type { ApprovalStore } from './types.js';

export interface OpenApprovalStoreOptions extends StateLocationOptions {
  /** SQLite: how long a call waits for another process's write lock; default 2000 ms. */
  busyTimeoutMs?: number;
  /** Redis: prefix of every key, the same as the counters'; default "policy-wrap:". */
  redisKeyPrefix?: string;
}

/**
 * Opens where pending approvals live: the same place as the counters, from the same spec (see
 * resolveStateLocation: `--state`, else POLICY_WRAP_STATE, else the default SQLite file; relative
 * paths against `cwd`). `memory` keeps them in this process only. A SQLite file that cannot be
 * created or opened is PolicyWrapError state.open-failed (exit 2); no SQLite to open it with is
 * state.unavailable (exit 2), as for the counters. Redis connects lazily, on the first call. Each
 * backend's module loads only when chosen.
 */
export async function openApprovalStore(spec: string | undefined, options: OpenApprovalStoreOptions = {}): Promise<ApprovalStore> {
  const location = resolveStateLocation(spec, options);
  switch (location.kind) {
    case 'memory': {
      const { MemoryApprovalStore } = await import('./memory-approvals.js');
      return new MemoryApprovalStore();
    }
    case 'redis': {
      const { RedisApprovalStore } = await import('./redis-approvals.js');
      return new RedisApprovalStore({ url: location.url, keyPrefix: options.redisKeyPrefix });
    }
    case 'sqlite': {
      const { SqliteApprovalStore } = await import('./sqlite-approvals.js');
      try {
        // Only directories made here get 0700; existing ones keep their mode.
        mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 });
        return new SqliteApprovalStore(location.path, { busyTimeoutMs: options.busyTimeoutMs });
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
