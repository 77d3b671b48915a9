import type { Admission } from '../limits/limiter.js';
import { evaluateServerRequest, type CompiledPolicy, type ServerRequestDecision } from '../policy/index.js';
import type { ServerRequestVerdict, ServerToClientRequest } from '../proxy/gate.js';
import { decisionMetaKey, retryInWords, type DecisionMeta } from './answers.js';
import type { CounterState } from './audit-record.js';
import type { PolicyGateOptions } from './policy-gate.js';

/**
 * The error code a refused server request gets: the one MCP's specification shows for a sampling
 * request the user rejected, which servers already expect from a client that says no.
 */
export const SERVER_REQUEST_REFUSED = -1;

/** One audit line for a request of the server's to the client (sampling, elicitation, roots). */
export type ServerRequestRecord = {
  time: string;
  session: string;
  grant: string;
  kind: 'server-request';
  method: string;
  decision: 'allow' | 'deny' | 'limited' | 'store-unavailable' | 'audit-unavailable';
  enforced: boolean;
  rule: string;
  cause?: string;
  reason?: string;
  counters?: CounterState[];
  retryAfterMs?: number;
  failedOpen?: boolean;
  storeError?: string;
};

type Options = Pick<PolicyGateOptions, 'policy' | 'limiter' | 'clock' | 'grant' | 'session' | 'audit' | 'auditFail'>;
type Allowed = Extract<ServerRequestDecision, { outcome: 'allow' }>;

/**
 * Gate.checkServerRequest: `server_requests` decides sampling, elicitation and roots requests; a
 * refused one is answered to the server with an error carrying the decision, and audited. Kinds
 * the policy does not govern (ping, …) pass unjudged and unaudited.
 */
export function createServerRequestCheck(options: Options, enforcing: (policy: CompiledPolicy) => boolean) {
  function write(fields: Omit<ServerRequestRecord, 'time' | 'session' | 'grant' | 'kind' | 'method'>, method: string): void {
    if (options.audit === undefined) return;
    const record: ServerRequestRecord = { time: new Date(options.clock()).toISOString(), session: options.session, grant: options.grant, kind: 'server-request', method, ...fields };
    options.audit.write(record);
  }

  /** Audited; answered with an error when enforced, else forwarded all the same (monitor mode). */
  function refuse(method: string, meta: DecisionMeta & { decision: ServerRequestRecord['decision'] }, enforce: boolean, text: string, extra: Partial<ServerRequestRecord> = {}): ServerRequestVerdict {
    const { decision, cause, rule, reason } = meta;
    write({ decision, enforced: enforce, rule, cause, reason, ...(meta.retryAfterMs === undefined ? {} : { retryAfterMs: meta.retryAfterMs }), ...extra }, method);
    if (!enforce) return { kind: 'forward' };
    return { kind: 'refuse', error: { code: SERVER_REQUEST_REFUSED, message: text, data: { [decisionMetaKey]: meta } } };
  }

  function afterAdmission(method: string, decision: Allowed, admission: Admission, enforce: boolean): ServerRequestVerdict {
    if (admission.status === 'limited') {
      const budget = decision.budgets[admission.blockedIndex];
      const reason = budget?.description ?? 'rate limit reached';
      const meta = { decision: 'limited' as const, cause: 'limit', rule: budget?.rule ?? decision.rule, reason, retryAfterMs: admission.retryAfterMs };
      return refuse(method, meta, enforce, `Rate limit: ${reason}; ${retryInWords(admission.retryAfterMs)}`, { counters: counters(decision, admission.used) });
    }
    if (admission.status === 'store-unavailable') {
      if (!admission.failedOpen && enforce) {
        const reason = `the limit store is unavailable (${admission.error.replace(/^limit store unavailable: /, '')}); try again later`;
        return refuse(method, { decision: 'store-unavailable', cause: 'store', rule: decision.rule, reason }, true, `Refused: ${reason}`, { storeError: admission.error, failedOpen: false });
      }
      write({ decision: admission.failedOpen ? 'allow' : 'store-unavailable', enforced: enforce, rule: decision.rule, storeError: admission.error, failedOpen: admission.failedOpen }, method);
      return { kind: 'forward' };
    }
    write({ decision: 'allow', enforced: enforce, rule: decision.rule, ...(decision.budgets.length > 0 ? { counters: counters(decision, admission.used) } : {}) }, method);
    return { kind: 'forward' };
  }

  return function checkServerRequest(request: ServerToClientRequest): ServerRequestVerdict | Promise<ServerRequestVerdict> {
    const policy = options.policy();
    const decision = evaluateServerRequest(policy, { method: request.method, params: request.params, grant: options.grant, session: options.session });
    if (decision.outcome === 'ungoverned') return { kind: 'forward' };
    const enforce = enforcing(policy);
    if (decision.outcome === 'deny') {
      return refuse(request.method, { decision: 'deny', cause: 'rule', rule: decision.rule, reason: decision.reason }, enforce, `Denied by policy: ${decision.reason}`);
    }
    const problem = options.auditFail === 'open' || !enforce ? undefined : options.audit?.failure?.();
    if (problem !== undefined) {
      const reason = `the audit log cannot be written (${problem}); try again later`;
      return refuse(request.method, { decision: 'audit-unavailable', cause: 'audit', rule: decision.rule, reason }, true, `Refused: ${reason}`);
    }
    const admission = options.limiter.admit(decision.budgets);
    return admission instanceof Promise ? admission.then((settled) => afterAdmission(request.method, decision, settled, enforce)) : afterAdmission(request.method, decision, admission, enforce);
  };
}

function counters(decision: Allowed, used: readonly number[]): CounterState[] {
  return decision.budgets.map((budget, index) => ({ counter: budget.counter, rule: budget.rule, scope: budget.scope, used: used[index] ?? 0, max: budget.max, windowMs: budget.windowMs }));
}
