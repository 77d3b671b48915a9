import { summarizeArguments } from '../audit/arguments.js';
import type { CounterState } from '../audit/logged-call.js';
import { sha256Hex } from '../policy/index.js';
import type { CallOutcome } from '../proxy/gate.js';
import { prefixOf } from '../shared/shown.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';

export type { CounterState };

/**
 * One audit line: what was decided about one call and, when the server answered, how it ended.
 * A type, not an interface, so that it is a `Record<string, unknown>` the sink takes as it is.
 */
export type AuditRecord = {
  time: string;
  session: string;
  grant: string;
  /** the name called; over MAX_TOOL_NAME_LENGTH, its first TOOL_PREFIX_CHARS characters and `…` */
  tool: string;
  /** for a name over MAX_TOOL_NAME_LENGTH: its length, and `sha256:` of it */
  toolLength?: number;
  toolDigest?: string;
  /**
   * the request, for what is not a tools/call: resources/read, resources/subscribe, prompts/get,
   * completion/complete; `tool` is then the resource URI (template) or the prompt name
   */
  method?: string;
  decision: 'allow' | 'deny' | 'limited' | 'store-unavailable' | 'audit-unavailable' | 'approval-required' | 'not-approved';
  /** false in monitor mode, where the decision is recorded but the call goes through */
  enforced: boolean;
  rule: string;
  cause?: string;
  reason?: string;
  violations?: string[];
  counters?: CounterState[];
  retryAfterMs?: number;
  /** the limit store failed and `--state-fail open` let the call through uncounted */
  failedOpen?: boolean;
  storeError?: string;
  /** a retry of an input-required call, not counted again */
  retry?: boolean;
  /** the code a person approves with, for a call refused until approved from a terminal */
  approvalCode?: string;
  /** how a person decided a call its rule asks about */
  approval?: ApprovalAudit;
  /** counters that gave the call back because the server failed it (`count: "succeeded"`) */
  refunded?: string[];
  /** how many replacements `redact` made in the answer (0 when it found nothing) */
  redacted?: number;
  /** why the answer of a call with `redact` was not forwarded */
  redactionError?: string;
  argumentKeys: string[];
  argumentsDigest: string;
  arguments?: unknown;
  outcome?: string;
  isError?: boolean;
  errorCode?: number;
  latencyMs?: number;
};

export interface ApprovalAudit {
  /** `elicitation`: asked through the client; `cli`: `policy-wrap approve` or `deny`; `remembered`: an earlier approval covers it */
  via: 'elicitation' | 'cli' | 'remembered';
  /** the OS user who ran `approve` or `deny`, where known */
  by?: string;
  /** when the person answered (ISO 8601) */
  decidedAt?: string;
  /** how long the person took, from asking to answer */
  waitedMs?: number;
}

export interface RecordBase {
  session: string;
  grant: string;
  tool: string;
  arguments: unknown;
  includeArguments: boolean;
  nowMs: number;
}

/** How much of a name over MAX_TOOL_NAME_LENGTH an audit line keeps: the client chooses its length. */
export const TOOL_PREFIX_CHARS = 64;

/*
 * Both build the record with Object.assign and plain assignments rather than object spreads: the
 * same keys in the same order, at a third of the cost on every audited call.
 */
export function startRecord(base: RecordBase, fields: Omit<AuditRecord, 'time' | 'session' | 'grant' | 'tool' | 'toolLength' | 'toolDigest' | 'argumentKeys' | 'argumentsDigest'>): AuditRecord {
  const record = { time: new Date(base.nowMs).toISOString(), session: base.session, grant: base.grant, tool: base.tool } as AuditRecord;
  if (base.tool.length > MAX_TOOL_NAME_LENGTH) {
    record.tool = `${prefixOf(base.tool, TOOL_PREFIX_CHARS)}…`;
    record.toolLength = base.tool.length;
    record.toolDigest = `sha256:${sha256Hex(base.tool)}`;
  }
  Object.assign(record, fields);
  const summary = summarizeArguments(base.arguments);
  record.argumentKeys = summary.argumentKeys;
  record.argumentsDigest = summary.argumentsDigest;
  if (base.includeArguments) record.arguments = base.arguments ?? null;
  return record;
}

export function withOutcome(record: AuditRecord, outcome: CallOutcome): AuditRecord {
  const ended = Object.assign({}, record);
  ended.outcome = outcome.kind;
  if (outcome.kind === 'result') ended.isError = outcome.isError;
  if (outcome.kind === 'error') ended.errorCode = outcome.code;
  if ('latencyMs' in outcome) ended.latencyMs = Math.round(outcome.latencyMs * 1000) / 1000;
  return ended;
}
