import { evaluate, type BudgetClaim, type CompiledPolicy, type CompiledLimit } from '../policy/index.js';
import type { LoggedCall } from './logged-call.js';

/** What the replay counts budgets in: a fresh in-memory store (limits/memory-store.ts), passed in. */
export interface ScratchCounter {
  acquire(budgets: readonly BudgetClaim[], nowMs: number): { admitted: true; ticket: ScratchTicket } | { admitted: false; blockedIndex: number };
  release(ticket: ScratchTicket): void;
}

export interface ScratchTicket {
  id: string;
  keys: readonly string[];
  atMs: number;
}

export type Verdict =
  | { status: 'allowed' }
  | { status: 'refused'; cause: string; rule?: string; reason?: string }
  /** the log does not hold what the decision depends on */
  | { status: 'unknown'; why: string };

export interface ReplayedCall {
  line: number;
  time: string;
  tool: string;
  was: Verdict;
  now: Verdict;
}

export interface ToolChanges {
  newlyRefused: Record<string, number>;
  newlyAllowed: number;
  unknown: number;
}

/** What `audit replay --format json` prints. */
export interface ReplayResult {
  calls: number;
  unchanged: number;
  /** refused under the new policy, in all */
  refused: number;
  newlyRefused: ReplayedCall[];
  newlyAllowed: ReplayedCall[];
  unknown: ReplayedCall[];
  byTool: Record<string, ToolChanges>;
  notes: string[];
}

/**
 * The decision that refused a call without the policy's say (the store or the audit log was
 * down): the policy allowed it, so it is compared as allowed.
 */
const notThePolicys = new Set(['store', 'audit']);

/** Where the wrapper's own bound on names refused a call, whatever the policy. */
const nameBound = { status: 'refused', cause: 'tool-name', reason: 'the tool name is longer than policy-wrap accepts' } as const;

/** The advertised schema is the server's to give and is not in the log: taken as accepting anything (as `explain` does). */
const anySchema = { ok: true, check: () => [] } as const;

/**
 * Decides the calls of a log again under another policy, in the order they were made, counting
 * budgets on the recorded times in a scratch counter. Calls are given one at a time.
 */
export class Replayer {
  private readonly result: ReplayResult = { calls: 0, unchanged: 0, refused: 0, newlyRefused: [], newlyAllowed: [], unknown: [], byTool: {}, notes: [] };
  private inputSchemaSkipped = 0;
  private unknownArguments = 0;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly counter: ScratchCounter,
  ) {}

  add(call: LoggedCall): ReplayedCall {
    const replayed: ReplayedCall = { line: call.line, time: call.time, tool: call.tool, was: recorded(call), now: this.decide(call) };
    this.tally(replayed);
    return replayed;
  }

  finish(): ReplayResult {
    const notes = this.result.notes;
    if (this.policy.mode === 'monitor') notes.push('the new policy is in monitor mode: it would record these refusals and block nothing');
    if (this.inputSchemaSkipped > 0) {
      notes.push(`input_schema is "enforce": ${this.inputSchemaSkipped} calls were not checked against the tools' advertised schemas, which the log does not hold`);
    }
    if (this.result.unknown.length > 0) notes.push(`${this.result.unknown.length} calls with an unknown decision were not counted in any budget`);
    if (this.unknownArguments > 0) notes.push('decisions that depend on argument values are unknown when the log holds only argument keys and digests; record with --audit-arguments to replay them');
    return this.result;
  }

  private decide(call: LoggedCall): Verdict {
    if (call.nameCut) return nameBound;
    if (this.policy.inputSchema === 'enforce') {
      if (call.cause === 'input-schema') return { status: 'unknown', why: "it was refused by the tool's advertised input schema, which the log does not hold" };
      this.inputSchemaSkipped += 1;
    }
    const decision = evaluate(this.policy, { tool: call.tool, arguments: call.arguments, grant: call.grant, session: call.session, advertisedSchema: anySchema });
    if (decision.outcome === 'deny' && (decision.cause === 'rule' || decision.cause === 'default')) {
      return { status: 'refused', cause: decision.cause, rule: decision.rule, reason: decision.reason };
    }
    const unknown = call.hasArguments ? undefined : this.argumentDependence(call);
    if (unknown !== undefined) {
      this.unknownArguments += 1;
      return { status: 'unknown', why: unknown };
    }
    if (decision.outcome === 'deny') return { status: 'refused', cause: decision.cause, rule: decision.rule, reason: decision.reason };
    if (decision.outcome !== 'allow') return { status: 'unknown', why: `the policy engine decided "${String((decision as { outcome: unknown }).outcome)}"` };
    // A rule that asks a person: what they would answer is not in the log.
    if ((decision as { approval?: unknown }).approval !== undefined) return { status: 'unknown', why: `the rule ${decision.rule} asks a person to approve each call` };
    // A retry of an input-required call is not counted again, as in the wrapper.
    if (call.retry || decision.budgets.length === 0) return { status: 'allowed' };
    const acquired = this.counter.acquire(decision.budgets, call.timeMs);
    if (!acquired.admitted) {
      const budget = decision.budgets[acquired.blockedIndex];
      return { status: 'refused', cause: 'limit', ...(budget ? { rule: budget.rule, reason: budget.description } : {}) };
    }
    // It never reached the server: the wrapper gave its budgets back.
    if (call.outcome === 'not-forwarded') this.counter.release(acquired.ticket);
    return { status: 'allowed' };
  }

  /** Why the decision on a call logged without argument values cannot be made, if it cannot. */
  private argumentDependence(call: LoggedCall): string | undefined {
    const rule = this.policy.ruleFor(call.tool);
    if (rule?.checkArguments !== undefined) return `the rule ${rule.pointer} checks argument values, and the log holds only their keys`;
    const limits: readonly CompiledLimit[] = [...(rule?.limits ?? []), ...this.policy.limits];
    const keyed = limits.find((limit) => limit.per !== undefined && limit.per[0] === 'arguments' && (limit.per.length === 1 || call.argumentKeys.includes(limit.per[1] as string)));
    if (keyed !== undefined) return `the limit ${keyed.pointer} counts per value of ${(keyed.per ?? []).join('.')}, which the log does not hold`;
    return undefined;
  }

  private tally(call: ReplayedCall): void {
    const result = this.result;
    result.calls += 1;
    const changes = (result.byTool[call.tool] ??= { newlyRefused: {}, newlyAllowed: 0, unknown: 0 });
    if (call.now.status === 'refused') result.refused += 1;
    if (call.now.status === 'unknown') {
      result.unknown.push(call);
      changes.unknown += 1;
      return;
    }
    const wasAllowed = call.was.status === 'allowed';
    const nowAllowed = call.now.status === 'allowed';
    if (wasAllowed === nowAllowed) {
      result.unchanged += 1;
      return;
    }
    if (nowAllowed) {
      result.newlyAllowed.push(call);
      changes.newlyAllowed += 1;
    } else if (call.now.status === 'refused') {
      result.newlyRefused.push(call);
      changes.newlyRefused[call.now.cause] = (changes.newlyRefused[call.now.cause] ?? 0) + 1;
    }
  }
}

/** How the wrapper decided a call, as the record says, for comparing. */
function recorded(call: LoggedCall): Verdict {
  if (call.cause === undefined || notThePolicys.has(call.cause)) return { status: 'allowed' };
  return { status: 'refused', cause: call.cause, ...(call.rule !== undefined ? { rule: call.rule } : {}), ...(call.reason !== undefined ? { reason: call.reason } : {}) };
}
