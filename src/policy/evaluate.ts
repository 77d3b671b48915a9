import { canonicalDigest } from './digest.js';
import type { AdvertisedSchemaCheck } from './advertised.js';
import type { CompiledLimit, CompiledPolicy, CompiledRule } from './compile.js';
import type { Redaction } from './redaction.js';
import type { Scope } from './types.js';

/** What the engine needs to know about one `tools/call`. */
export interface CallFacts {
  tool: string;
  /** `params.arguments` as sent (undefined when absent, checked as `{}`). */
  arguments: unknown;
  /** Who the call is made for; `scope: "grant"` budgets are counted per grant. */
  grant: string;
  /** `scope: "session"` budgets are counted per session. */
  session: string;
  /** The tool's advertised inputSchema, compiled; undefined when the server has not listed the tool. */
  advertisedSchema?: AdvertisedSchemaCheck;
}

/** Compatible with `Budget` in src/limits/types.ts: the engine says which budgets apply, stores count. */
export interface BudgetClaim {
  /**
   * The policy's namespace, counter name, window, scope identity and the digest of the `per` value,
   * folded into one string. Never the value itself: keys are stored, and values may be secrets.
   */
  key: string;
  windowMs: number;
  max: number;
  counter: string;
  /** Pointer of the limit: "/tools/trakt_authenticate/limits/0" or "/limits/0". */
  rule: string;
  scope: Scope;
  /** "at most 10 calls per minute for trakt_authenticate" */
  description: string;
  /** The limit's `per` path ("arguments.ratingKey", "tool"), when it counts per value. */
  per?: string;
  /** Present for `count: "succeeded"`: a call the server fails is given back. */
  count?: 'succeeded';
}

export interface AllowDecision {
  outcome: 'allow';
  /** Pointer of the deciding rule ("/tools/trakt_authenticate"), or "(default)". */
  rule: string;
  /** Rule limits first, then top-level ones; one claim per key. */
  budgets: BudgetClaim[];
  timeoutMs?: number;
  /** The rule's `action` is "ask": the call goes on only once a person approves it. */
  approval?: ApprovalRule;
  /** The rule's `redact`: what is replaced in the answer before the client sees it. */
  redaction?: Redaction;
}

/** A rule's `approval`, compiled. */
export interface ApprovalRule {
  /** How long a person has to answer (`approval.timeout`, default 120 s). */
  timeoutMs: number;
  /** What one approval covers: `"call"` (default), `"session"`, or a number of seconds. */
  remember: { kind: 'call' } | { kind: 'session' } | { kind: 'for'; ms: number };
}

export type DenyCause = 'rule' | 'default' | 'arguments' | 'input-schema' | 'hide';

export interface DenyDecision {
  outcome: 'deny';
  /**
   * Pointer of what denied: the rule ("/tools/x"), its arguments schema ("/tools/x/arguments"),
   * "/input_schema", or "(default)".
   */
  rule: string;
  cause: DenyCause;
  /** For the agent; the caller composes "Denied by policy: <reason>". */
  reason: string;
  /** The rule hides the tool from tools/list (only for causes rule and default). */
  hidden: boolean;
  /** What is wrong with the arguments: "/limit must be <= 500". */
  violations?: string[];
}

export type Decision = AllowDecision | DenyDecision;

export const defaultRule = '(default)';

/**
 * Decides one call. Pure and synchronous: the same policy and facts always give the same
 * decision. Counting the budgets is the caller's job. `policy.mode` is not applied here either:
 * in monitor mode the caller records a deny and forwards the call anyway. An allowed decision with
 * `approval` (an `ask` rule) is forwarded only once a person approves it; asking is the caller's
 * job too, and only a call that passed every check here carries `approval`.
 */
export function evaluate(policy: CompiledPolicy, call: CallFacts): Decision {
  const rule = policy.ruleFor(call.tool);
  const denial = denyByName(policy, call.tool, rule);
  if (denial !== undefined) return denial;

  if (policy.inputSchema === 'enforce') {
    const advertised = call.advertisedSchema;
    const problem =
      advertised === undefined
        ? 'the server has not listed it in tools/list, so its arguments cannot be checked'
        : advertised.ok
          ? undefined
          : advertised.problem;
    if (problem !== undefined) {
      return { outcome: 'deny', rule: '/input_schema', cause: 'input-schema', reason: `${call.tool} cannot be called: ${problem} (input_schema is "enforce")`, hidden: false };
    }
    const violations = advertised?.ok ? advertised.check(call.arguments) : [];
    if (violations.length > 0) {
      return {
        outcome: 'deny',
        rule: '/input_schema',
        cause: 'input-schema',
        reason: `arguments of ${call.tool} do not match its input schema: ${violations.join('; ')}`,
        hidden: false,
        violations,
      };
    }
  }

  const argumentsDenied = argumentsDenial(rule, call.arguments, call.tool);
  if (argumentsDenied !== undefined) return argumentsDenied;

  // Only a call that passed every check gets here: nobody is asked to approve a call refused anyway.
  const decision: AllowDecision = { outcome: 'allow', rule: rule?.pointer ?? defaultRule, budgets: claims(policy, rule, call) };
  if (rule?.timeoutMs !== undefined) decision.timeoutMs = rule.timeoutMs;
  if (rule?.approval !== undefined) decision.approval = rule.approval;
  if (rule?.redaction !== undefined) decision.redaction = rule.redaction;
  return decision;
}

/** The decision that depends on the tool's name alone, when it is a deny. */
function denyByName(policy: CompiledPolicy, tool: string, rule: CompiledRule | undefined): DenyDecision | undefined {
  // `hide` (PolicyLayer's list) wins over every rule: hidden and answered as an unknown name.
  const hiddenBy = policy.hiddenBy(tool);
  if (hiddenBy !== undefined) {
    return { outcome: 'deny', rule: hiddenBy.pointer, cause: 'hide', reason: `${tool} is hidden by the policy ("hide": ${JSON.stringify(hiddenBy.pattern)})`, hidden: true };
  }
  if (rule === undefined) {
    if (policy.default === 'allow') return undefined;
    return { outcome: 'deny', rule: defaultRule, cause: 'default', reason: `${tool} is not allowed by the policy (default: deny)`, hidden: true };
  }
  if (rule.action !== 'deny') return undefined;
  return {
    outcome: 'deny',
    rule: rule.pointer,
    cause: 'rule',
    reason: rule.reason ?? `${tool} is denied by the policy (rule ${JSON.stringify(rule.key)})`,
    hidden: rule.hide,
  };
}

/**
 * Whether tools/list should leave the tool out: its name alone is denied (by a rule or the
 * default) and the rule does not say `hide: false`. Argument checks never hide a tool, and
 * nothing is hidden in monitor mode, which blocks nothing.
 */
export function isHidden(policy: CompiledPolicy, tool: string): boolean {
  if (policy.mode === 'monitor') return false;
  return denyByName(policy, tool, policy.ruleFor(tool))?.hidden ?? false;
}

/** What the policy does with one tool, for a person reading it. */
export interface ToolDescription {
  tool: string;
  /** Pointer of the deciding rule, or "(default)". */
  rule: string;
  /** ask: allowed once a person approves each call (see `approval`). */
  action: 'allow' | 'deny' | 'ask';
  /** How a person approves calls (for action ask). */
  approval?: ApprovalRule;
  /** Why calls are denied (for action deny). */
  reason?: string;
  /** Left out of tools/list (see isHidden). */
  hidden: boolean;
  /** Descriptions of every budget a call claims, rule limits first. */
  budgets: string[];
  /** The deciding rule has an `arguments` schema. */
  argumentsChecked: boolean;
  /** Calls are checked against the advertised inputSchema (`input_schema: "enforce"`). */
  inputSchemaChecked: boolean;
  timeoutMs?: number;
}

export function describeTool(policy: CompiledPolicy, tool: string): ToolDescription {
  const rule = policy.ruleFor(tool);
  const denial = denyByName(policy, tool, rule);
  const description: ToolDescription = {
    tool,
    rule: rule?.pointer ?? defaultRule,
    action: denial !== undefined ? 'deny' : rule?.approval !== undefined ? 'ask' : 'allow',
    hidden: isHidden(policy, tool),
    budgets: denial === undefined ? [...(rule?.limits ?? []), ...policy.limits].map((limit) => limit.description) : [],
    argumentsChecked: denial === undefined && rule?.checkArguments !== undefined,
    inputSchemaChecked: denial === undefined && policy.inputSchema === 'enforce',
  };
  if (denial !== undefined) description.reason = denial.reason;
  if (denial === undefined && rule?.timeoutMs !== undefined) description.timeoutMs = rule.timeoutMs;
  if (denial === undefined && rule?.approval !== undefined) description.approval = rule.approval;
  return description;
}

/** Every budget a call of this tool with these facts would take, whether or not it would be allowed. */
export function budgetClaims(policy: CompiledPolicy, call: CallFacts): BudgetClaim[] {
  return claims(policy, policy.ruleFor(call.tool), call);
}

function claims(policy: CompiledPolicy, rule: CompiledRule | undefined, call: CallFacts): BudgetClaim[] {
  return limitClaims(policy, [...(rule?.limits ?? []), ...policy.limits], call);
}

/** The budgets these limits take for one call (or read, or prompt: `tool` is then its URI or name); one claim per key. */
export function limitClaims(policy: CompiledPolicy, limits: readonly CompiledLimit[], call: CallFacts): BudgetClaim[] {
  const byKey = new Map<string, BudgetClaim>();
  for (const limit of limits) {
    // A limit with `when` counts only the calls whose arguments match it.
    if (limit.when !== undefined && limit.when(call.arguments).length > 0) continue;
    const claim = claimFor(policy.namespace, limit, call);
    const earlier = byKey.get(claim.key);
    // One call counts once per key; where limits share a key, the strictest applies.
    if (earlier === undefined || claim.max < earlier.max) byKey.set(claim.key, claim);
  }
  return [...byKey.values()];
}

/**
 * The namespace, when the policy has one, comes first: the second element of such a key is the
 * counter, a string, where in a key without one it is the window, a number, so the two never meet.
 */
function claimFor(namespace: string | undefined, limit: CompiledLimit, call: CallFacts): BudgetClaim {
  const parts: unknown[] = namespace === undefined ? [] : [namespace];
  parts.push(limit.counter, limit.windowMs, limit.scope);
  if (limit.scope === 'grant') parts.push(call.grant);
  else if (limit.scope === 'session') parts.push(call.session);
  const claim: BudgetClaim = {
    key: '',
    windowMs: limit.windowMs,
    max: limit.max,
    counter: limit.counter,
    rule: limit.pointer,
    scope: limit.scope,
    description: limit.description,
  };
  if (limit.count === 'succeeded') claim.count = 'succeeded';
  if (limit.per !== undefined) {
    claim.per = limit.per.join('.');
    parts.push(claim.per, valueAt({ tool: call.tool, arguments: call.arguments }, limit.per));
  }
  claim.key = JSON.stringify(parts);
  return claim;
}

/** The digest of the canonical JSON of the value at `path`, or "(absent)" (never a digest). */
function valueAt(root: unknown, path: readonly string[]): string {
  let value = root;
  for (const segment of path) {
    if (Array.isArray(value) && /^(0|[1-9][0-9]*)$/.test(segment)) value = value[Number(segment)];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, segment)) {
      value = (value as Record<string, unknown>)[segment];
    } else return '(absent)';
  }
  return value === undefined ? '(absent)' : canonicalDigest(value);
}

/** The refusal of arguments the rule's `arguments` schema rejects; undefined when it has none or they pass. `what` names the subject. */
export function argumentsDenial(rule: CompiledRule | undefined, args: unknown, what: string): DenyDecision | undefined {
  if (rule?.checkArguments === undefined) return undefined;
  const violations = rule.checkArguments(args);
  if (violations.length === 0) return undefined;
  return {
    outcome: 'deny',
    rule: `${rule.pointer}/arguments`,
    cause: 'arguments',
    reason: rule.reason ?? `arguments of ${what} are not allowed by the policy: ${violations.join('; ')}`,
    hidden: false,
    violations,
  };
}
