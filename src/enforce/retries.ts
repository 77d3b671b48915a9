import { sha256Hex } from '../policy/index.js';
import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';

/**
 * Calls the server answered with an input-required (incomplete) result, so the client's retry
 * (MCP 2026-07-28 multi round-trip requests) is not counted against a budget a second time. A
 * retry is recognised by the tool and the echoed `requestState`, or, where the server sent none,
 * by the tool and the digest of the arguments. Each entry admits one retry and then expires. At
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

/** The server chooses `requestState` and its length: the key holds its digest, not the state itself. */
export function retryKey(tool: string, requestState: unknown, argumentsDigest: string): string {
  return typeof requestState === 'string' ? `${tool}\u0000state\u0000sha256:${sha256Hex(requestState)}` : `${tool}\u0000args\u0000${argumentsDigest}`;
}
