import { newApprovalCode, normalizeApprovalCode } from './codes.js';
import { answering, byAge, decidedOf, isLive, isUsedUp, matchesCall, pendingOf, type ApprovalCall } from './records.js';
import { isDecided, type ApprovalRecord, type ApprovalRequest, type ApprovalStore, type ApprovalVerdict, type Lookup, type PendingApproval } from './types.js';

/**
 * Approvals in this process only (`--state memory`): no other terminal can see them, so only a
 * client that can show a form can approve. Synchronous; expired records are dropped as it goes.
 */
export class MemoryApprovalStore implements ApprovalStore {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, ApprovalRecord>();

  lookup(call: ApprovalCall, nowMs: number): Lookup {
    this.prune(nowMs);
    const found = answering([...this.records.values()].filter((record) => matchesCall(record, call)));
    if (found === undefined) return { kind: 'none' };
    if (!isDecided(found)) return { kind: 'pending', approval: found };
    if (isUsedUp(found)) this.records.delete(found.code);
    return { kind: 'decided', approval: found };
  }

  ask(request: ApprovalRequest, timeoutMs: number, nowMs: number): PendingApproval {
    this.prune(nowMs);
    let code = newApprovalCode();
    while (this.records.has(code)) code = newApprovalCode();
    const pending = pendingOf(request, code, timeoutMs, nowMs);
    this.records.set(code, pending);
    return pending;
  }

  list(nowMs: number): ApprovalRecord[] {
    this.prune(nowMs);
    return [...this.records.values()].sort(byAge);
  }

  get(code: string, nowMs: number): ApprovalRecord | undefined {
    const normal = normalizeApprovalCode(code);
    const record = normal === undefined ? undefined : this.records.get(normal);
    return record !== undefined && isLive(record, nowMs) ? record : undefined;
  }

  decide(code: string, verdict: ApprovalVerdict, by: string, nowMs: number): boolean {
    const record = this.get(code, nowMs);
    if (record === undefined || isDecided(record)) return false;
    this.records.set(record.code, decidedOf(record, verdict, by, nowMs));
    return true;
  }

  async close(): Promise<void> {
    this.records.clear();
  }

  private prune(nowMs: number): void {
    for (const [code, record] of this.records) if (!isLive(record, nowMs)) this.records.delete(code);
  }
}
