import { serverRequestKinds, type CompiledPolicy, type ServerRequestKind } from './compile.js';
import { limitClaims, type BudgetClaim } from './evaluate.js';

/** A request the server sends to the client, as the engine sees it. */
export interface ServerRequestFacts {
  method: string;
  /** `params` as the server sent it (undefined when absent). */
  params: unknown;
  grant: string;
  session: string;
}

export type ServerRequestDecision =
  /** not a kind `server_requests` governs (ping, logging, …): forwarded unjudged */
  | { outcome: 'ungoverned' }
  /** `rule` is the pointer of the deciding rule, or "(default)" for a kind the policy does not name */
  | { outcome: 'allow'; kind: ServerRequestKind; rule: string; budgets: BudgetClaim[] }
  | { outcome: 'deny'; kind: ServerRequestKind; rule: string; reason: string };

/** Where a kind the policy does not name is allowed: server requests do not follow the top-level default. */
export const serverRequestDefault = '(default)';

/**
 * Decides one request of the server's. Pure: counting the budgets is the caller's job. A kind not
 * named in `server_requests` is allowed whatever the top-level `default`, which is about tools.
 * Limits take the kind as their `tool` (so `per: "tool"` counts per kind) and `params` as arguments.
 */
export function evaluateServerRequest(policy: CompiledPolicy, request: ServerRequestFacts): ServerRequestDecision {
  const kind = Object.hasOwn(serverRequestKinds, request.method) ? serverRequestKinds[request.method as keyof typeof serverRequestKinds] : undefined;
  if (kind === undefined) return { outcome: 'ungoverned' };
  const rule = policy.serverRequests[kind];
  if (rule === undefined) return { outcome: 'allow', kind, rule: serverRequestDefault, budgets: [] };
  if (rule.action === 'deny') {
    return { outcome: 'deny', kind, rule: rule.pointer, reason: rule.reason ?? `the policy does not let the server send ${request.method} (server_requests.${kind})` };
  }
  const facts = { tool: kind, arguments: request.params, grant: request.grant, session: request.session };
  return { outcome: 'allow', kind, rule: rule.pointer, budgets: limitClaims(policy, rule.limits, facts) };
}
