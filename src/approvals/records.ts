import { isDecided, type ApprovalRecord, type ApprovalRequest, type ApprovalVerdict, type DecidedApproval, type PendingApproval } from './types.js';

/**
 * The rules every approval store follows, written once: when a record is alive, which records a
 * call matches and which of them answers it, what a lookup uses up, and what deciding makes.
 */

/** What a call is looked up by. */
export interface ApprovalCall {
  tool: string;
  grant: string;
  session: string;
  argumentsDigest: string;
}

/** Until when a record counts: a pending one until it expires, a decided one while it is usable. */
export function liveUntil(record: ApprovalRecord): number {
  return isDecided(record) ? record.usableUntilMs : record.expiresMs;
}

export function isLive(record: ApprovalRecord, nowMs: number): boolean {
  return nowMs < liveUntil(record);
}

/**
 * Same tool, grant and argument digest, and, for `remember: session`, the same session: an approval
 * (or a question) never crosses grants, digests or tools, and a session one stays in its session.
 */
export function matchesCall(record: ApprovalRecord, call: ApprovalCall): boolean {
  return (
    record.tool === call.tool &&
    record.grant === call.grant &&
    record.argumentsDigest === call.argumentsDigest &&
    (record.remember.kind !== 'session' || record.session === call.session)
  );
}

/**
 * Which of the live records matching one call answers it: a verdict before a question, the newest
 * verdict before older ones (a later `deny` overrides an earlier approval), then the newest question.
 */
export function answering<R extends ApprovalRecord>(candidates: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const record of candidates) if (best === undefined || rank(record) > rank(best)) best = record;
  return best;
}

function rank(record: ApprovalRecord): number {
  // Decided records rank above every pending one; within each, the newer wins. Ms times fit in 2^52.
  return isDecided(record) ? 2 ** 52 + record.decidedMs : record.createdMs;
}

/** A one-call approval and a denial are used up by the lookup that finds them. */
export function isUsedUp(record: ApprovalRecord): boolean {
  return isDecided(record) && (record.verdict === 'denied' || record.remember.kind === 'call');
}

export function pendingOf(request: ApprovalRequest, code: string, timeoutMs: number, nowMs: number): PendingApproval {
  return {
    tool: request.tool,
    grant: request.grant,
    session: request.session,
    argumentsDigest: request.argumentsDigest,
    rendering: request.rendering,
    server: request.server,
    remember: request.remember,
    code,
    createdMs: nowMs,
    expiresMs: nowMs + Math.max(0, timeoutMs),
  };
}

/**
 * The record once answered. A `for` approval is usable until decidedMs + ms; every other verdict
 * for the approval timeout again (expiresMs - createdMs), counted from the answer.
 */
export function decidedOf(pending: PendingApproval, verdict: ApprovalVerdict, by: string, nowMs: number): DecidedApproval {
  const span = verdict === 'approved' && pending.remember.kind === 'for' ? pending.remember.ms : pending.expiresMs - pending.createdMs;
  return { ...pending, verdict, by, decidedMs: nowMs, usableUntilMs: nowMs + Math.max(0, span) };
}

/** Oldest first; equal times by code, so every store lists in the same order. */
export function byAge(a: ApprovalRecord, b: ApprovalRecord): number {
  return a.createdMs - b.createdMs || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** A stored record read back (SQLite JSON, a Redis string, already parsed); throws when it is not one. */
export function checkedRecord(value: unknown): ApprovalRecord {
  const record = value as Partial<DecidedApproval> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    typeof record.code !== 'string' ||
    typeof record.tool !== 'string' ||
    typeof record.grant !== 'string' ||
    typeof record.session !== 'string' ||
    typeof record.argumentsDigest !== 'string' ||
    typeof record.createdMs !== 'number' ||
    typeof record.expiresMs !== 'number' ||
    typeof record.remember !== 'object' ||
    record.remember === null
  ) {
    throw new Error(`a stored approval is not one policy-wrap wrote: ${JSON.stringify(value).slice(0, 80)}`);
  }
  return record as ApprovalRecord;
}
