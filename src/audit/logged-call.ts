import { isObject } from '../shared/values.js';

/** A budget's state as an audit record gives it (its `counters`), as the gate writes it and readers read it. */
export interface CounterState {
  counter: string;
  rule: string;
  scope: string;
  used: number;
  max: number;
  windowMs: number;
}

/**
 * One audit record as the readers of a log see it. The wrapper writes exactly one record per
 * tools/call: a refused call when it is refused (no `outcome`), a forwarded one when it ends
 * (with `outcome` and, when the server was reached, `latencyMs`).
 */
export interface LoggedCall {
  line: number;
  timeMs: number;
  time: string;
  session: string;
  grant: string;
  tool: string;
  /** the name was too long to be kept whole (decided by the wrapper's bound, not the policy) */
  nameCut: boolean;
  decision: string;
  /** what refused it, for every decision but allow: the record's cause, or one named after the decision */
  cause: string | undefined;
  enforced: boolean;
  rule: string | undefined;
  reason: string | undefined;
  counters: readonly CounterState[];
  retry: boolean;
  argumentKeys: readonly string[];
  /** present only in logs written with --audit-arguments */
  arguments?: unknown;
  hasArguments: boolean;
  outcome: string | undefined;
  isError: boolean;
  errorCode: number | undefined;
  latencyMs: number | undefined;
}

/** Causes of refusals that records do not name, after their decision. */
const causeOfDecision: Record<string, string> = {
  limited: 'limit',
  'store-unavailable': 'store',
  'audit-unavailable': 'audit',
  'approval-required': 'approval',
  'not-approved': 'approval',
};

/** The call a line records, or undefined for a line that is not a call record. */
export function parseLoggedCall(bytes: Buffer, line: number): LoggedCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const { time, tool, decision } = value;
  if (typeof time !== 'string' || typeof tool !== 'string' || typeof decision !== 'string') return undefined;
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) return undefined;
  const call: LoggedCall = {
    line,
    timeMs,
    time,
    session: text(value.session) ?? '',
    grant: text(value.grant) ?? 'default',
    tool,
    nameCut: value.toolLength !== undefined,
    decision,
    cause: decision === 'allow' ? undefined : (text(value.cause) ?? causeOfDecision[decision] ?? decision),
    enforced: value.enforced !== false,
    rule: text(value.rule),
    reason: text(value.reason),
    counters: Array.isArray(value.counters) ? (value.counters.filter(isCounter) as CounterState[]) : [],
    retry: value.retry === true,
    argumentKeys: Array.isArray(value.argumentKeys) ? value.argumentKeys.filter((key): key is string => typeof key === 'string') : [],
    hasArguments: Object.hasOwn(value, 'arguments'),
    outcome: text(value.outcome),
    isError: value.isError === true,
    errorCode: typeof value.errorCode === 'number' ? value.errorCode : undefined,
    latencyMs: typeof value.latencyMs === 'number' && Number.isFinite(value.latencyMs) ? value.latencyMs : undefined,
  };
  if (call.hasArguments) call.arguments = value.arguments;
  return call;
}

/** The call reached the server: allowed, or refused only in a record (monitor mode). */
export function wasForwarded(call: LoggedCall): boolean {
  return call.decision === 'allow' || !call.enforced;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isCounter(value: unknown): boolean {
  return isObject(value) && typeof value.counter === 'string' && typeof value.used === 'number' && typeof value.max === 'number' && typeof value.windowMs === 'number';
}
