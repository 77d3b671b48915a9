import { sha256Hex } from '../policy/index.js';
import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';

/**
 * Calls the server answered with an input-required (incomplete) result, so the client's retry
 * (MCP 2026-07-28 multi round-trip requests) is not counted against a budget a second time (see
 * retryKey for what makes a retry). Each entry admits one retry and then expires. At
 * most `maxEntries` calls and `maxBytes` of keys are remembered; the oldest make room.
 */
export class IncompleteCalls {
  private readonly entries: BoundedMap<string, number>;

  constructor(maxEntries = 1_000, maxBytes = 1024 * 1024) {
    this.entries = new BoundedMap({ maxEntries, maxBytes, sizeOf: (key) => ENTRY_BYTES + stringBytes(key) });
  }

  remember(key: string, expiresAtMs: number): void {
    this.entries.set(key, expiresAtMs);
  }

  /** True once for a retry of a remembered call; the entry is used up. */
  takeRetry(key: string, nowMs: number): boolean {
    const expiresAtMs = this.entries.get(key);
    if (expiresAtMs === undefined) return false;
    this.entries.delete(key);
    return expiresAtMs > nowMs;
  }
}

/**
 * A retry matches the call it retries by tool, argument digest and the `requestState` the server
 * itself issued (none, when it issued none): a retry that changes its arguments, or brings a state
 * of its own, is a new call and counted. The server chooses the state and its length, so the key
 * holds its digest, not the state itself.
 */
export function retryKey(tool: string, requestState: unknown, argumentsDigest: string): string {
  const state = typeof requestState === 'string' ? `sha256:${sha256Hex(requestState)}` : 'none';
  return `${tool}\u0000${argumentsDigest}\u0000${state}`;
}
