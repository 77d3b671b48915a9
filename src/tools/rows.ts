import {
  compileAdvertisedSchemas,
  describeTool,
  evaluate,
  type AdvertisedSchemaCheck,
  type CompiledLimit,
  type CompiledPolicy,
  type ToolRule,
} from '../policy/index.js';
import { approvalSummary, type ApprovalSummary } from './approval.js';
import { statedHints, type StatedHints, type ToolAnnotations } from './hints.js';

/** The part of a tools/list entry the overview looks at. */
export interface ServerTool {
  name: string;
  inputSchema?: unknown;
  annotations?: ToolAnnotations;
}

/**
 * - allowed: calls go through (policy-wide limits and checks still apply);
 * - limited: allowed, under budgets of the tool's own rule;
 * - ask: a person approves each call before it is forwarded (its rule's limits, if any, in `limits`);
 * - denied: every call is refused, and the agent sees the tool and the reason;
 * - hidden: every call is refused, and the tool is left out of tools/list.
 */
export type ToolDecision = 'allowed' | 'limited' | 'ask' | 'denied' | 'hidden';

export type { ApprovalSummary };

/** One budget of a tool's own rule. */
export interface LimitSummary {
  /** "at most 30 calls per hour for update_metadata, counted per distinct arguments.ratingKey" */
  description: string;
  /** Pointer of the limit: "/tools/update_metadata/limits/0". */
  rule: string;
  /** The `counter` name when the rule gives one. */
  counter?: string;
  /** The other listed tools whose calls count toward the same budget, sorted. */
  sharedWith: string[];
  /**
   * How much of the budget is used now, when it was read from the counter store; null for one
   * counted per argument value or per session, which has no single figure.
   */
  use?: BudgetUse | null;
}

export interface BudgetUse {
  /** calls counted in the window now */
  used: number;
  max: number;
  windowMs: number;
  /** 0 while the budget has room */
  retryAfterMs: number;
}

/** One tool: what the server claims about it and what the policy does with its calls. */
export interface ToolRow {
  name: string;
  /** The annotation hints as the server states them (claims, not verified). */
  hints: StatedHints;
  decision: ToolDecision;
  /** Pointer of what decides: "/tools/get_libraries", "/input_schema" or "(default)". */
  rule: string;
  /** What the agent is told when a call is refused by name (denied and hidden only). */
  reason?: string;
  /** Left out of the tools/list the agent sees. */
  hidden: boolean;
  /** Budgets of the tool's own rule. */
  limits: LimitSummary[];
  /** Every budget a call claims: the rule's, then the policy-wide ones. */
  budgets: string[];
  /** The rule has an `arguments` schema. */
  argumentsChecked: boolean;
  /** The top-level arguments that schema names (properties, then other required names). */
  checkedArguments: string[];
  /** Calls are checked against the inputSchema the server advertised. */
  inputSchemaChecked: boolean;
  /** Seconds the server gets to answer a call (the rule's `timeout`). */
  timeoutSeconds?: number;
  /** The rule's `redact`: how many patterns and detectors rewrite the answer before the client sees it. */
  redacts?: number;
  /** How a person approves each call (decision ask only). */
  approval?: ApprovalSummary;
  /** False in monitor mode: refusals are only recorded, and every call is forwarded. */
  enforced: boolean;
}

/**
 * What the policy does with each tool the server lists, sorted by name. A name the server lists
 * twice gets one row, from its last entry, as the wrapper's schema checks use the last one.
 */
export function toolRows(tools: readonly ServerTool[], policy: CompiledPolicy): ToolRow[] {
  const byName = new Map<string, ServerTool>();
  for (const tool of tools) byName.set(tool.name, tool);
  const unique = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const schemas = policy.inputSchema === 'enforce' ? compileAdvertisedSchemas(unique) : new Map<string, AdvertisedSchemaCheck>();
  const rows = unique.map((tool) => rowFor(tool, policy, schemas.get(tool.name)));
  markSharing(rows, policy);
  return rows;
}

function rowFor(tool: ServerTool, policy: CompiledPolicy, advertisedSchema: AdvertisedSchemaCheck | undefined): ToolRow {
  const described = describeTool(policy, tool.name);
  const base = { name: tool.name, hints: statedHints(tool.annotations), enforced: policy.mode === 'enforce' };
  const refused = (rule: string, reason: string, hidden: boolean): ToolRow => ({
    ...base,
    decision: hidden ? 'hidden' : 'denied',
    rule,
    reason,
    hidden,
    limits: [],
    budgets: [],
    argumentsChecked: false,
    checkedArguments: [],
    inputSchemaChecked: false,
  });
  if (described.action === 'deny') return refused(described.rule, described.reason ?? '', described.hidden);

  // An advertised schema that cannot be checked refuses every call of the tool whatever its
  // arguments, so asking the engine about a call without any gives its own words for that.
  if (advertisedSchema?.ok === false) {
    const verdict = evaluate(policy, { tool: tool.name, arguments: undefined, grant: '', session: '', advertisedSchema });
    if (verdict.outcome === 'deny' && verdict.cause === 'input-schema') return refused(verdict.rule, verdict.reason, verdict.hidden);
  }

  const rule = policy.ruleFor(tool.name);
  const limits = (rule?.limits ?? []).map(summarize);
  const row: ToolRow = {
    ...base,
    decision: described.action === 'ask' ? 'ask' : limits.length > 0 ? 'limited' : 'allowed',
    rule: described.rule,
    hidden: described.hidden,
    limits,
    budgets: described.budgets,
    argumentsChecked: described.argumentsChecked,
    checkedArguments: described.argumentsChecked ? argumentNames(rule?.argumentsSchema) : [],
    inputSchemaChecked: described.inputSchemaChecked,
  };
  if (described.timeoutMs !== undefined) row.timeoutSeconds = described.timeoutMs / 1000;
  if (described.approval !== undefined) row.approval = approvalSummary(described.approval);
  const redact = policy.document.tools?.[rule?.key ?? '']?.redact;
  if (rule?.redaction !== undefined && Array.isArray(redact)) row.redacts = redact.length;
  return row;
}

function summarize(limit: CompiledLimit): LimitSummary {
  const summary: LimitSummary = { description: limit.description, rule: limit.pointer, sharedWith: [] };
  // Without a name, a limit counts under its own pointer.
  if (limit.counter !== limit.pointer) summary.counter = limit.counter;
  return summary;
}

/** Limits are one budget when counter, window, scope and per are the same (see evaluate's claims). */
function budgetIdentity(limit: CompiledLimit): string {
  return JSON.stringify([limit.counter, limit.windowMs, limit.scope, limit.per ?? null]);
}

/** Fills in `sharedWith`: which tools draw on each budget, from the rules that decide allowed rows. */
function markSharing(rows: readonly ToolRow[], policy: CompiledPolicy): void {
  const users = new Map<string, string[]>();
  const identities = new Map<ToolRow, string[]>();
  for (const row of rows) {
    if (row.limits.length === 0) continue;
    const ids = (policy.ruleFor(row.name)?.limits ?? []).map(budgetIdentity);
    identities.set(row, ids);
    for (const id of new Set(ids)) users.set(id, [...(users.get(id) ?? []), row.name]);
  }
  for (const [row, ids] of identities) {
    row.limits.forEach((limit, index) => {
      limit.sharedWith = (users.get(ids[index] ?? '') ?? []).filter((name) => name !== row.name);
    });
  }
}

function argumentNames(schema: ToolRule['arguments']): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const names: string[] = [];
  const { properties, required } = schema as { properties?: unknown; required?: unknown };
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) names.push(...Object.keys(properties));
  if (Array.isArray(required)) {
    for (const name of required) if (typeof name === 'string' && !names.includes(name)) names.push(name);
  }
  return names;
}
