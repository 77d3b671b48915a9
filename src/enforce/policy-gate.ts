import { summarizeArguments } from '../audit/arguments.js';
import type { AuditSink } from '../audit/sink.js';
import type { Admission, Limiter } from '../limits/limiter.js';
import type { Clock } from '../limits/types.js';
import { evaluate, isHidden, type AllowDecision, type BudgetClaim, type CompiledPolicy, type Decision, type DenyDecision } from '../policy/index.js';
import type { CallOutcome, CallVerdict, Gate, GateContext, ToolCall } from '../proxy/gate.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { AdvertisedTools } from './advertised-tools.js';
import { refusal, retryInWords, unknownTool } from './answers.js';
import { startRecord, withOutcome, type AuditRecord, type CounterState } from './audit-record.js';
import { IncompleteCalls, retryKey } from './retries.js';

export interface PolicyGateOptions {
  /** The policy in force now; read on every call, so a reload applies to the next one. */
  policy: () => CompiledPolicy;
  limiter: Limiter;
  clock: Clock;
  grant: string;
  session: string;
  /** `--monitor`: decide and audit, block nothing, whatever the policy's own mode. */
  monitor?: boolean;
  audit?: AuditSink;
  /** Write argument values to the audit log (off by default: they carry secrets). */
  auditArguments?: boolean;
  /**
   * When the audit log cannot be written: refuse calls the policy allows until it can (closed,
   * the default), or let them through unaudited (open). Monitor mode refuses nothing either way.
   */
  auditFail?: 'closed' | 'open';
}

/** The most tools/list pages the gate reads on its own before it stops paging (a server may never stop). */
export const MAX_TOOL_LIST_PAGES = 100;

/** A gate the CLI also tells when the policy in force was replaced. */
export interface PolicyGate extends Gate {
  /** `options.policy()` now returns a new policy; `previous` was in force before it. */
  policyReplaced(previous: CompiledPolicy): void;
}

/** Turns the policy into verdicts on the wire: the only place where engine, limits and audit meet. */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const advertised = new AdvertisedTools();
  let tellClient: (() => void) | undefined;
  const incomplete = new IncompleteCalls();
  const enforcing = (policy: CompiledPolicy): boolean => !options.monitor && policy.mode !== 'monitor';

  function decide(policy: CompiledPolicy, call: ToolCall): Decision {
    if (policy.inputSchema !== 'enforce') return evaluate(policy, { tool: call.name, arguments: call.arguments, grant: options.grant, session: options.session });
    return evaluate(policy, { tool: call.name, arguments: call.arguments, grant: options.grant, session: options.session, advertisedSchema: advertised.check(call.name) });
  }

  /** The server has not listed the tool yet: ask it once (all pages) before refusing the call. */
  function needsToolList(policy: CompiledPolicy, call: ToolCall, decision: Decision): boolean {
    return decision.outcome === 'deny' && decision.cause === 'input-schema' && !advertised.has(call.name) && !advertised.isComplete && policy.inputSchema === 'enforce';
  }

  /** Every page, but never forever: a cursor seen before or more than MAX_TOOL_LIST_PAGES pages end it. */
  async function fetchToolList(context: GateContext): Promise<void> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let pages = 0; pages < MAX_TOOL_LIST_PAGES; pages += 1) {
      const page = await context.requestFromServer('tools/list', cursor === undefined ? undefined : { cursor });
      advertised.recordPage(page);
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
      if (cursor === undefined || seen.has(cursor)) return;
      seen.add(cursor);
    }
  }

  function record(call: ToolCall, fields: Parameters<typeof startRecord>[1]): AuditRecord | undefined {
    if (options.audit === undefined) return undefined;
    const base = { session: options.session, grant: options.grant, tool: call.name, arguments: call.arguments, includeArguments: options.auditArguments === true, nowMs: options.clock() };
    return startRecord(base, fields);
  }

  /**
   * A name longer than any tool should have is refused before the policy, its caches or the
   * counters see it, in monitor mode too: it is the wrapper's bound, not a rule of the policy.
   */
  function nameTooLong(call: ToolCall): CallVerdict {
    const reason = `the tool name has ${call.name.length} characters, more than the ${MAX_TOOL_NAME_LENGTH} policy-wrap accepts`;
    const fields = { decision: 'deny' as const, enforced: true, rule: toolNameRule, cause: 'tool-name', reason };
    const audited = record(call, fields);
    if (audited) options.audit?.write(audited);
    return refusal(`Denied by policy: ${reason}; call a tool by a name tools/list gives`, { decision: 'deny', cause: 'tool-name', rule: toolNameRule, reason });
  }

  function judge(policy: CompiledPolicy, call: ToolCall, decision: Decision): CallVerdict | Promise<CallVerdict> {
    if (decision.outcome === 'deny') return deny(policy, call, decision);
    return admit(policy, call, decision);
  }

  function deny(policy: CompiledPolicy, call: ToolCall, decision: DenyDecision): CallVerdict {
    const enforce = enforcing(policy);
    const fields = { decision: 'deny' as const, enforced: enforce, rule: decision.rule, cause: decision.cause, reason: decision.reason, ...(decision.violations ? { violations: decision.violations } : {}) };
    const audited = record(call, fields);
    if (!enforce) return forward(call, audited, undefined);
    if (audited) options.audit?.write(audited);
    if (decision.hidden) return unknownTool(call.name);
    const meta = { decision: 'deny' as const, cause: decision.cause, rule: decision.rule, reason: decision.reason, ...(decision.violations ? { violations: decision.violations } : {}) };
    return refusal(denialText(policy, call, decision), meta);
  }

  function admit(policy: CompiledPolicy, call: ToolCall, decision: AllowDecision): CallVerdict | Promise<CallVerdict> {
    const auditDown = auditRefusal(policy, call, decision);
    if (auditDown !== undefined) return auditDown;
    const key = isRetry(call) ? retryKeyOf(call) : undefined;
    const retry = key !== undefined && incomplete.takeRetry(key, options.clock());
    const admission = options.limiter.admit(retry ? [] : decision.budgets);
    const settle = (settled: Admission): CallVerdict => afterAdmission(policy, call, decision, settled, retry);
    return admission instanceof Promise ? admission.then(settle) : settle(admission);
  }

  /** Before anything is counted: a call that could not be audited is not made, unless told otherwise. */
  function auditRefusal(policy: CompiledPolicy, call: ToolCall, decision: AllowDecision): CallVerdict | undefined {
    if (options.auditFail === 'open' || !enforcing(policy)) return undefined;
    const problem = options.audit?.failure?.();
    if (problem === undefined) return undefined;
    const reason = `the audit log cannot be written (${problem}); try again later`;
    const audited = record(call, { decision: 'audit-unavailable', enforced: true, rule: decision.rule, cause: 'audit', reason });
    // It waits with the other unwritten records and goes out when the log can be written again.
    if (audited) options.audit?.write(audited);
    return refusal(`Refused: ${reason}`, { decision: 'audit-unavailable', cause: 'audit', rule: decision.rule, reason });
  }

  function afterAdmission(policy: CompiledPolicy, call: ToolCall, decision: AllowDecision, admission: Admission, retry: boolean): CallVerdict {
    const enforce = enforcing(policy);
    if (admission.status === 'limited') {
      const budget = decision.budgets[admission.blockedIndex];
      const reason = budget === undefined ? 'rate limit reached' : describeBudget(policy, budget);
      const audited = record(call, { decision: 'limited', enforced: enforce, rule: budget?.rule ?? decision.rule, cause: 'limit', reason, retryAfterMs: admission.retryAfterMs, counters: counters(decision, admission.used) });
      if (!enforce) return forward(call, audited, undefined, decision.timeoutMs);
      if (audited) options.audit?.write(audited);
      return refusal(`Rate limit: ${reason}; ${retryInWords(admission.retryAfterMs)}`, {
        decision: 'limited',
        cause: 'limit',
        rule: budget?.rule ?? decision.rule,
        reason,
        retryAfterMs: admission.retryAfterMs,
      });
    }
    if (admission.status === 'store-unavailable') {
      const storeFields = { storeError: admission.error, failedOpen: admission.failedOpen };
      if (admission.failedOpen || !enforce) {
        const audited = record(call, { decision: admission.failedOpen ? 'allow' : 'store-unavailable', enforced: enforce, rule: decision.rule, ...storeFields });
        return forward(call, audited, undefined, decision.timeoutMs);
      }
      // Not the policy's verdict: the store that counts for it could not be asked.
      const reason = `the limit store is unavailable (${admission.error.replace(/^limit store unavailable: /, '')}); try again later`;
      const audited = record(call, { decision: 'store-unavailable', enforced: true, rule: decision.rule, cause: 'store', reason, ...storeFields });
      if (audited) options.audit?.write(audited);
      return refusal(`Refused: ${reason}`, { decision: 'store-unavailable', cause: 'store', rule: decision.rule, reason });
    }
    const audited = record(call, { decision: 'allow', enforced: enforce, rule: decision.rule, counters: counters(decision, admission.used), ...(retry ? { retry: true } : {}) });
    return forward(call, audited, admission.ticket, decision.timeoutMs);
  }

  function forward(call: ToolCall, audited: AuditRecord | undefined, ticket: Parameters<Limiter['refund']>[0], timeoutMs?: number): CallVerdict {
    return {
      kind: 'forward',
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onOutcome(outcome: CallOutcome) {
        if (outcome.kind === 'not-forwarded') void options.limiter.refund(ticket);
        if (outcome.kind === 'result' && outcome.resultType === 'incomplete') {
          incomplete.remember(retryKey(call.name, outcome.requestState, digestOf(call)), options.clock() + retryLifetimeMs);
        }
        if (audited) options.audit?.write(withOutcome(audited, outcome));
      },
    };
  }

  return {
    checkCall(call, context) {
      if (call.name.length > MAX_TOOL_NAME_LENGTH) return nameTooLong(call);
      const policy = options.policy();
      const decision = decide(policy, call);
      if (!needsToolList(policy, call, decision)) return judge(policy, call, decision);
      return fetchToolList(context).then(
        () => judge(policy, call, decide(policy, call)),
        () => judge(policy, call, decision),
      );
    },
    filterToolsList(result, bytes) {
      advertised.recordPage(result, bytes);
      const policy = options.policy();
      if (!enforcing(policy) || !Array.isArray(result.tools)) return result;
      const tools = result.tools.filter((tool: unknown) => !isHidden(policy, nameOf(tool)));
      return tools.length === result.tools.length ? result : { ...result, tools };
    },
    toolsListChanged() {
      advertised.forget();
    },
    watchVisibleTools(tell) {
      tellClient = tell;
    },
    policyReplaced(previous) {
      const current = options.policy();
      const visible = (policy: CompiledPolicy, name: string): boolean => !enforcing(policy) || !isHidden(policy, name);
      for (const name of advertised.names()) {
        if (visible(previous, name) !== visible(current, name)) {
          tellClient?.();
          return;
        }
      }
    },
  };
}

/** What refuses a call to a name over MAX_TOOL_NAME_LENGTH, where a refusal names its rule. */
const toolNameRule = '(tool name length)';

/** How long an input-required call's retry stays free of charge. */
const retryLifetimeMs = 10 * 60_000;

function isRetry(call: ToolCall): boolean {
  return call.params.requestState !== undefined || call.params.inputResponses !== undefined;
}

function retryKeyOf(call: ToolCall): string {
  return retryKey(call.name, call.params.requestState, digestOf(call));
}

function digestOf(call: ToolCall): string {
  return summarizeArguments(call.arguments).argumentsDigest;
}

function counters(decision: AllowDecision, used: readonly number[]): CounterState[] {
  return decision.budgets.map((budget, index) => ({
    counter: budget.counter,
    rule: budget.rule,
    scope: budget.scope,
    used: used[index] ?? 0,
    max: budget.max,
    windowMs: budget.windowMs,
  }));
}

function denialText(policy: CompiledPolicy, call: ToolCall, decision: DenyDecision): string {
  if (decision.cause !== 'arguments' && decision.cause !== 'input-schema') return `Denied by policy: ${decision.reason}`;
  if (decision.violations === undefined) return `Denied by policy: ${decision.reason}`;
  const own = decision.cause === 'arguments' ? policy.ruleFor(call.name)?.reason : undefined;
  const text = `Invalid arguments for ${call.name}: ${decision.violations.join('; ')}`;
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
    for (const limit of [...policy.rules.flatMap((rule) => rule.limits), ...policy.limits]) (seen.has(limit.counter) ? shared : seen).add(limit.counter);
    sharedCounterCache.set(policy, shared);
  }
  return shared;
}

function nameOf(tool: unknown): string {
  return typeof tool === 'object' && tool !== null && typeof (tool as { name?: unknown }).name === 'string' ? (tool as { name: string }).name : '';
}
