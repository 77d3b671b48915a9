import { openStateBackend, type StateBackendOptions } from '../limits/open-store.js';
import type { PinStore } from './types.js';

export type OpenPinStoreOptions = StateBackendOptions;

/**
 * Opens where pins live: the same place as the counters and approvals, from the same spec
 * (`--state`, else POLICY_WRAP_STATE, else the default SQLite file). `memory` keeps them for this
 * process only. Failures are PolicyWrapError state.open-failed or state.unavailable (exit 2).
 */
export async function openPinStore(spec: string | undefined, options: OpenPinStoreOptions = {}): Promise<PinStore> {
  return openStateBackend<PinStore>(spec, options, {
    memory: async () => new (await import('./memory-pins.js')).MemoryPinStore(),
    redis: async (url) => new (await import('./redis-pins.js')).RedisPinStore({ url, keyPrefix: options.redisKeyPrefix }),
    sqlite: async (path) => new (await import('./sqlite-pins.js')).SqlitePinStore(path, { busyTimeoutMs: options.busyTimeoutMs }),
  });
}
