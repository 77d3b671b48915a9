import type { AllowDecision, BudgetClaim, CompiledPolicy, DenyDecision } from '../policy/index.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { retryInWords, type DecisionMeta } from './answers.js';
import type { AuditRecord } from './audit-record.js';

/**
 * Every way a call is refused, as one value: what the agent reads, what `_meta` says, and what
 * the audit record adds. Pure: the gate decides when to refuse, this module only says how.
 */
export interface Refusal {
  /** what the agent reads */
  text: string;
  /** `_meta["policy-wrap/decision"]`, and the audit record's decision, rule, cause and reason */
  meta: DecisionMeta;
  /** audit fields beyond the meta: counters, store error */
  audit?: Partial<AuditRecord>;
  /** answered as a name the server does not have */
  hidden?: boolean;
}

/** What refuses a call to a name over MAX_TOOL_NAME_LENGTH, where a refusal names its rule. */
export const toolNameRule = '(tool name length)';

/** A name longer than any tool should have: the wrapper's bound, not a rule of the policy. */
export function nameTooLong(name: string): Refusal {
  const reason = `the tool name has ${name.length} characters, more than the ${MAX_TOOL_NAME_LENGTH} policy-wrap accepts`;
  return { text: `Denied by policy: ${reason}; call a tool by a name tools/list gives`, meta: { decision: 'deny', cause: 'tool-name', rule: toolNameRule, reason } };
}

/** What refuses a call of a tool changed since it was pinned, where a refusal names its rule. */
export const pinRule = '/pin';

/** `"pin": "enforce"`: the tool's definition changed since it was pinned, and nobody accepted it yet. */
export function pinChanged(reason: string): Refusal {
  return { text: `Denied by policy: ${reason}`, meta: { decision: 'deny', cause: 'pin', rule: pinRule, reason } };
}

/**
 * A task-augmented call (`params.task`) of a rule with `redact`: its result would come later through
 * tasks/result, which the wrapper does not redact, so it is refused rather than forwarded unredacted.
 */
export function taskWithRedaction(call: { name: string; params: Record<string, unknown> }, decision: AllowDecision): Refusal | undefined {
  if (call.params.task === undefined || decision.redaction === undefined) return undefined;
  const reason = `${call.name}'s answers are redacted before you see them, which a task's result is not; call it without "task"`;
  return { text: `Denied by policy: ${reason}`, meta: { decision: 'deny', cause: 'redact', rule: `${decision.rule}/redact`, reason } };
}

export function denied(policy: CompiledPolicy, tool: string, decision: DenyDecision): Refusal {
  const meta: DecisionMeta = { decision: 'deny', cause: decision.cause, rule: decision.rule, reason: decision.reason };
  if (decision.violations) meta.violations = decision.violations;
  return { text: denialText(policy, tool, decision), meta, hidden: decision.hidden };
}

export function auditDown(decision: AllowDecision, problem: string): Refusal {
  const reason = `the audit log cannot be written (${problem}); try again later`;
  return { text: `Refused: ${reason}`, meta: { decision: 'audit-unavailable', cause: 'audit', rule: decision.rule, reason } };
}

export function limited(policy: CompiledPolicy, decision: AllowDecision, blockedIndex: number, retryAfterMs: number, counters: AuditRecord['counters']): Refusal {
  const budget = decision.budgets[blockedIndex];
  const reason = budget === undefined ? 'rate limit reached' : describeBudget(policy, budget);
  return {
    text: `Rate limit: ${reason}; ${retryInWords(retryAfterMs)}`,
    meta: { decision: 'limited', cause: 'limit', rule: budget?.rule ?? decision.rule, reason, retryAfterMs },
    audit: { counters },
  };
}

/** Not the policy's verdict: the store that counts for it could not be asked. */
export function storeDown(decision: AllowDecision, error: string): Refusal {
  const reason = `the limit store is unavailable (${error.replace(/^limit store unavailable: /, '')}); try again later`;
  return {
    text: `Refused: ${reason}`,
    meta: { decision: 'store-unavailable', cause: 'store', rule: decision.rule, reason },
    audit: { storeError: error, failedOpen: false },
  };
}

/** How a refusal reads in the audit log: its meta's fields, then what only the log keeps. */
export function auditFields(refusal: Refusal, enforced: boolean): Omit<AuditRecord, 'time' | 'session' | 'grant' | 'tool' | 'toolLength' | 'toolDigest' | 'argumentKeys' | 'argumentsDigest'> {
  const { meta } = refusal;
  const fields: ReturnType<typeof auditFields> = { decision: meta.decision, enforced, rule: meta.rule, cause: meta.cause, reason: meta.reason };
  if (meta.violations) fields.violations = meta.violations;
  if (meta.retryAfterMs !== undefined) fields.retryAfterMs = meta.retryAfterMs;
  if (meta.approvalCode !== undefined) fields.approvalCode = meta.approvalCode;
  return refusal.audit === undefined ? fields : Object.assign(fields, refusal.audit);
}

function denialText(policy: CompiledPolicy, tool: string, decision: DenyDecision): string {
  if (decision.cause !== 'arguments' && decision.cause !== 'input-schema') return `Denied by policy: ${decision.reason}`;
  if (decision.violations === undefined) return `Denied by policy: ${decision.reason}`;
  const own = decision.cause === 'arguments' ? policy.ruleFor(tool)?.reason : undefined;
  const text = `Invalid arguments for ${tool}: ${decision.violations.join('; ')}`;
  return own === undefined ? text : `${text} (${own})`;
}

/** A refusal names the budget that ran out where it is shared, not only the tool that found it empty. */
function describeBudget(policy: CompiledPolicy, budget: BudgetClaim): string {
  return sharedCounters(policy).has(budget.counter) ? `${budget.description} (budget "${budget.counter}", shared with other tools)` : budget.description;
}

const sharedCounterCache = new WeakMap<CompiledPolicy, Set<string>>();

function sharedCounters(policy: CompiledPolicy): Set<string> {
  let shared = sharedCounterCache.get(policy);
  if (shared === undefined) {
    const seen = new Set<string>();
    shared = new Set<string>();
    const rules = [...policy.rules, ...policy.resources.rules, ...policy.prompts.rules];
    for (const limit of [...rules.flatMap((rule) => rule.limits), ...policy.limits]) (seen.has(limit.counter) ? shared : seen).add(limit.counter);
    sharedCounterCache.set(policy, shared);
  }
  return shared;
}
