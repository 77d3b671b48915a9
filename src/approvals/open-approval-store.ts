import { openStateBackend, type StateBackendOptions } from '../limits/open-store.js';
import type { ApprovalStore } from './types.js';

export type OpenApprovalStoreOptions = StateBackendOptions;

/**
 * Opens where pending approvals live: the same place as the counters, from the same spec (see
 * resolveStateLocation: `--state`, else POLICY_WRAP_STATE, else the default SQLite file; relative
 * paths against `cwd`). `memory` keeps them in this process only. A SQLite file that cannot be
 * created or opened is PolicyWrapError state.open-failed (exit 2); no SQLite to open it with is
 * state.unavailable (exit 2), as for the counters. Redis connects lazily, on the first call. Each
 * backend's module loads only when chosen.
 */
export async function openApprovalStore(spec: string | undefined, options: OpenApprovalStoreOptions = {}): Promise<ApprovalStore> {
  return openStateBackend<ApprovalStore>(spec, options, {
    memory: async () => new (await import('./memory-approvals.js')).MemoryApprovalStore(),
    redis: async (url) => new (await import('./redis-approvals.js')).RedisApprovalStore({ url, keyPrefix: options.redisKeyPrefix }),
    sqlite: async (path) => new (await import('./sqlite-approvals.js')).SqliteApprovalStore(path, { busyTimeoutMs: options.busyTimeoutMs }),
  });
}
