/**
 * Calls the server answered with an input-required (incomplete) result, so the client's retry
 * (MCP 2026-07-28 multi round-trip requests) is not counted against a budget a second time. A
 * retry is recognised by the tool and the echoed `requestState`, or, where the server sent none,
 * by the tool and the digest of the arguments. Each entry admits one retry and then expires.
 */
export class IncompleteCalls {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(maxEntries = 1_000) {
    this.maxEntries = maxEntries;
  }

  remember(key: string, expiresAtMs: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
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

export function retryKey(tool: string, requestState: unknown, argumentsDigest: string): string {
  return typeof requestState === 'string' ? `${tool}\u0000state\u0000${requestState}` : `${tool}\u0000args\u0000${argumentsDigest}`;
}
