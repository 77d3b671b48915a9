import { summarizeArguments } from '../audit/arguments.js';
import type { AuditSink } from '../audit/sink.js';
import type { Admission, Limiter } from '../limits/limiter.js';
import type { Clock } from '../limits/types.js';
import { evaluate, redactAnswer, type AllowDecision, type ApprovalRule, type CompiledPolicy, type Decision, type Redaction } from '../policy/index.js';
import type { CallOutcome, CallVerdict, ForwardVerdict, Gate, GateContext } from '../proxy/gate.js';
import type { JsonRpcId } from '../proxy/jsonrpc.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { refusal as refusalAnswer, unknownTool } from './answers.js';
import type { ApprovalDesk } from './approval-desk.js';
import { startRecord, withOutcome, type AuditRecord, type CounterState } from './audit-record.js';
import type { PinGuard } from './pin-guard.js';
import { auditDown, auditFields, denied, limited, nameTooLong, pinChanged, storeDown, taskWithRedaction, type Refusal } from './refusals.js';
import { IncompleteCalls, retryKey } from './retries.js';
import { ToolLists } from './tool-list.js';
import { createServerRequestCheck } from './server-requests.js';
import { decideRequest, deniedRequest, readRequest, refusalError, unknownSubject, type GatedCall } from './requests.js';
import { filterSectionList } from './section-lists.js';

export { MAX_TOOL_LIST_PAGES } from './tool-list.js';

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
  /** Where calls whose rule says `ask` find a person; without one, such calls are refused. */
  approvals?: ApprovalDesk;
  /** Tool-definition pins, for a policy with `pin`: lists are checked against them, changed tools refused under "enforce". */
  pins?: PinGuard;
}

/** A gate the CLI also tells when the policy in force was replaced. */
export interface PolicyGate extends Gate {
  /** `options.policy()` now returns a new policy; `previous` was in force before it. */
  policyReplaced(previous: CompiledPolicy): void;
}

/** A tool call, or a judged request read as one (see requests.ts). */
type Call = GatedCall;
type Ticket = Parameters<Limiter['refund']>[0];

/**
 * Turns the policy into verdicts on the wire: the only place where engine, limits, approvals and
 * audit meet. How a refusal reads is refusals.ts's; tool lists are tool-list.ts's.
 */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const enforcing = (policy: CompiledPolicy): boolean => !options.monitor && policy.mode !== 'monitor';
  const lists = new ToolLists(enforcing, options.pins);
  const incomplete = new IncompleteCalls();
  const checkServerRequest = createServerRequestCheck(options, enforcing);

  function decide(policy: CompiledPolicy, call: Call): Decision {
    const facts = { tool: call.name, arguments: call.arguments, grant: options.grant, session: options.session };
    return policy.inputSchema === 'enforce' ? evaluate(policy, { ...facts, advertisedSchema: lists.check(call.name) }) : evaluate(policy, facts);
  }

  function record(call: Call, fields: Parameters<typeof startRecord>[1]): AuditRecord | undefined {
    if (options.audit === undefined) return undefined;
    const base = { session: options.session, grant: options.grant, tool: call.name, arguments: call.arguments, includeArguments: options.auditArguments === true, nowMs: options.clock() };
    // A judged request's record says which request it was; a tool call's stays as it always was.
    return startRecord(base, call.method === undefined ? fields : Object.assign({ method: call.method }, fields));
  }

  /**
   * Audited, then answered; a refusal the policy's mode does not enforce is audited as such and
   * the call forwarded anyway (monitor mode), with the rule's timeout when it has one.
   */
  function refuse(call: Call, refusal: Refusal, enforce: boolean, timeoutMs?: number): CallVerdict {
    const audited = record(call, auditFields(refusal, enforce));
    if (!enforce) return forward(call, audited, undefined, timeoutMs);
    if (audited) options.audit?.write(audited);
    if (call.method !== undefined) return refusal.hidden ? unknownSubject(call) : refusalError(refusal);
    return refusal.hidden ? unknownTool(call.name) : refusalAnswer(refusal.text, refusal.meta);
  }

  function judge(policy: CompiledPolicy, call: Call, decision: Decision, context: GateContext): CallVerdict | Promise<CallVerdict> {
    if (decision.outcome === 'deny') return refuse(call, denied(policy, call.name, decision), enforcing(policy));
    const unredactable = taskWithRedaction(call, decision);
    if (unredactable !== undefined) return refuse(call, unredactable, enforcing(policy));
    return admit(policy, call, decision, context);
  }

  function admit(policy: CompiledPolicy, call: Call, decision: AllowDecision, context: GateContext): CallVerdict | Promise<CallVerdict> {
    // Before anything is counted: a call that could not be audited is not made, unless told otherwise.
    const problem = options.auditFail === 'open' || !enforcing(policy) ? undefined : options.audit?.failure?.();
    // It waits with the other unwritten records and goes out when the log can be written again.
    if (problem !== undefined) return refuse(call, auditDown(decision, problem), true);
    const key = isRetry(call) ? retryKeyOf(call) : undefined;
    const retry = key !== undefined && incomplete.takeRetry(key, options.clock());
    const admission = options.limiter.admit(retry ? [] : decision.budgets);
    const settle = (settled: Admission): CallVerdict | Promise<CallVerdict> => afterAdmission(policy, call, decision, settled, retry, context);
    return admission instanceof Promise ? admission.then(settle) : settle(admission);
  }

  function afterAdmission(policy: CompiledPolicy, call: Call, decision: AllowDecision, admission: Admission, retry: boolean, context: GateContext): CallVerdict | Promise<CallVerdict> {
    const enforce = enforcing(policy);
    if (admission.status === 'limited') {
      return refuse(call, limited(policy, decision, admission.blockedIndex, admission.retryAfterMs, counters(decision, admission.used)), enforce, decision.timeoutMs);
    }
    if (admission.status === 'store-unavailable') {
      if (!admission.failedOpen && enforce) return refuse(call, storeDown(decision, admission.error), true);
      const storeFields = { storeError: admission.error, failedOpen: admission.failedOpen };
      const audited = record(call, { decision: admission.failedOpen ? 'allow' : 'store-unavailable', enforced: enforce, rule: decision.rule, ...storeFields });
      return forward(call, audited, undefined, decision.timeoutMs, decision);
    }
    const allowed = { decision: 'allow' as const, enforced: enforce, rule: decision.rule, counters: counters(decision, admission.used), ...(retry ? { retry: true } : {}) };
    // Arguments and budgets were checked first: nobody is asked about a call refused anyway. A
    // retry of an input-required call continues one already approved.
    if (decision.approval === undefined || !enforce || retry) return forward(call, record(call, allowed), admission.ticket, decision.timeoutMs, decision);
    return askFirst(call, decision, decision.approval, admission.ticket, allowed, context);
  }

  async function askFirst(call: Call, decision: AllowDecision, approval: ApprovalRule, ticket: Ticket, allowed: Parameters<typeof startRecord>[1], context: GateContext): Promise<CallVerdict> {
    const desk = options.approvals;
    let result: Awaited<ReturnType<ApprovalDesk['decide']>>;
    try {
      if (desk === undefined) throw new Error('no way to ask for approval was set up');
      result = await desk.decide(call, decision.rule, approval, context);
    } catch (error) {
      void options.limiter.refund(ticket);
      throw error;
    }
    if (result.approved) return forward(call, record(call, { ...allowed, approval: result.audit }), ticket, decision.timeoutMs, decision);
    void options.limiter.refund(ticket);
    return refuse(call, result.refusal, true);
  }

  function forward(call: Call, audited: AuditRecord | undefined, ticket: Ticket, timeoutMs?: number, decision?: AllowDecision): CallVerdict {
    return {
      kind: 'forward',
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...redacting(audited, decision?.redaction),
      onOutcome(outcome: CallOutcome) {
        if (outcome.kind === 'not-forwarded') void options.limiter.refund(ticket);
        else if (ticket !== undefined && decision !== undefined && failed(outcome)) {
          // Budgets with count: "succeeded" give back a call the server failed, and only those.
          const given = givenBack(decision, ticket);
          if (given !== undefined) {
            void options.limiter.refund(given.ticket);
            if (audited) audited = Object.assign({}, audited, { refunded: given.counters });
          }
        }
        if (outcome.kind === 'result' && outcome.resultType === 'incomplete') {
          incomplete.remember(retryKey(call.name, outcome.requestState, digestOf(call)), options.clock() + retryLifetimeMs);
        }
        if (audited) options.audit?.write(withOutcome(audited, outcome));
      },
    };
  }

  /**
   * A rule with `redact` (enforced): the answer is redacted before the client sees it, and the call's
   * record says how many replacements were made. Monitor mode changes no answer, so it redacts nothing.
   */
  function redacting(audited: AuditRecord | undefined, redaction: Redaction | undefined): Pick<ForwardVerdict, 'transformAnswer'> {
    if (redaction === undefined || !enforcing(options.policy())) return {};
    return {
      transformAnswer(answer) {
        if (answer === undefined) {
          if (audited) audited.redactionError = 'the answer could not be read; the client got an error instead';
          return undefined;
        }
        const done = redactAnswer(redaction, answer);
        if (audited) audited.redacted = done.replaced;
        return done.replaced === 0 ? undefined : done.answer;
      },
    };
  }

  function judgeCall(policy: CompiledPolicy, call: Call, context: GateContext): CallVerdict | Promise<CallVerdict> {
    const decision = decide(policy, call);
    if (!lists.needsList(policy, call.name, decision)) return judge(policy, call, decision, context);
    return lists.fetch(context).then(
      () => judge(policy, call, decide(policy, call), context),
      () => judge(policy, call, decision, context),
    );
  }

  return {
    checkCall(call, context) {
      // Refused before the policy, its caches or the counters see it, in monitor mode too.
      if (call.name.length > MAX_TOOL_NAME_LENGTH) return refuse(call, nameTooLong(call.name), true);
      const policy = options.policy();
      // "pin": "enforce": one Set lookup; only a changed tool's call reads the pins again (accepted meanwhile?).
      const pins = options.pins;
      if (pins?.isChanged(call.name) && policy.pin === 'enforce' && enforcing(policy)) {
        return pins.refresh().then(
          () => (pins.isChanged(call.name) ? refuse(call, pinChanged(pins.reason(call.name)), true) : judgeCall(policy, call, context)),
          () => refuse(call, pinChanged(pins.reason(call.name)), true),
        );
      }
      return judgeCall(policy, call, context);
    },
    filterToolsList: (result, bytes) => lists.filter(options.policy(), result, bytes),
    checkRequest(request, context) {
      const call = readRequest(request);
      if ('kind' in call) return call;
      const policy = options.policy();
      const decision = decideRequest(policy, call, { grant: options.grant, session: options.session });
      if (decision.outcome === 'deny') return refuse(call, deniedRequest(call, decision), enforcing(policy));
      return admit(policy, call, decision, context);
    },
    filterList(method, result) {
      const policy = options.policy();
      return enforcing(policy) ? filterSectionList(policy, method, result) : undefined;
    },
    toolsListChanged: () => lists.changed(),
    checkServerRequest,
    watchVisibleTools: (tell) => lists.watch(tell),
    callAbandoned: (id: JsonRpcId) => options.approvals?.abandoned(id),
    policyReplaced: (previous) => lists.policyReplaced(previous, options.policy()),
  };
}

/** How long an input-required call's retry stays free of charge. */
const retryLifetimeMs = 10 * 60_000;

function isRetry(call: Call): boolean {
  return call.params.requestState !== undefined || call.params.inputResponses !== undefined;
}

function retryKeyOf(call: Call): string {
  return retryKey(call.name, call.params.requestState, digestOf(call));
}

function digestOf(call: Call): string {
  return summarizeArguments(call.arguments).argumentsDigest;
}

/** The server answered with a JSON-RPC error, or a result marked isError. */
function failed(outcome: CallOutcome): boolean {
  return outcome.kind === 'error' || (outcome.kind === 'result' && outcome.isError);
}

/** The part of an admission that budgets counting only successes give back, if any. */
function givenBack(decision: AllowDecision, ticket: NonNullable<Ticket>): { ticket: NonNullable<Ticket>; counters: string[] } | undefined {
  const claims = decision.budgets.filter((budget) => budget.count === 'succeeded');
  if (claims.length === 0) return undefined;
  const keys = new Set(claims.map((claim) => claim.key));
  return { ticket: { ...ticket, keys: ticket.keys.filter((key) => keys.has(key)) }, counters: claims.map((claim) => claim.counter) };
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
