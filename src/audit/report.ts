import { wasForwarded, type LoggedCall } from './logged-call.js';
import { percentile } from './percentile.js';

/** What `audit report --format json` prints. */
export interface Report {
  /** first and last record's time in the period, null without records */
  from: string | null;
  to: string | null;
  calls: number;
  allowed: number;
  refused: number;
  tools: ToolReport[];
  /** most frequent first */
  refusalReasons: RefusalReason[];
  budgets: BudgetReport[];
  /** minutes with at least one call, in order */
  perMinute: MinuteCount[];
}

export interface ToolReport {
  name: string;
  calls: number;
  allowed: number;
  /** refusals by cause: rule, default, arguments, input-schema, limit, store, audit, approval, … */
  refused: Record<string, number>;
  /** refused, but only recorded (monitor mode): the call went through */
  notEnforced: number;
  outcomes: { errors: number; timeouts: number; other: number };
  latencyMs: { p50: number | null; p99: number | null };
}

export interface RefusalReason {
  tool: string;
  cause: string;
  reason: string;
  count: number;
}

export interface BudgetReport {
  counter: string;
  /** pointer of the limit */
  rule: string;
  scope: string;
  windowMs: number;
  max: number;
  /** highest `used` any record shows */
  peak: number;
  /** calls refused because this budget was full */
  limited: number;
}

export interface MinuteCount {
  /** ISO time of the minute's start */
  minute: string;
  calls: number;
  refused: number;
}

/** How many refusal reasons a report lists. */
export const TOP_REASONS = 10;

interface ToolTally {
  report: ToolReport;
  latencies: number[];
}

/** Adds up calls one at a time, so a log of any length is read once and never held whole. */
export class ReportBuilder {
  private readonly tools = new Map<string, ToolTally>();
  private readonly reasons = new Map<string, RefusalReason>();
  private readonly budgets = new Map<string, BudgetReport>();
  private readonly minutes = new Map<number, MinuteCount>();
  private calls = 0;
  private allowed = 0;
  private first: string | null = null;
  private last: string | null = null;

  add(call: LoggedCall): void {
    this.calls += 1;
    this.first ??= call.time;
    this.last = call.time;
    const tally = this.toolTally(call.tool);
    const tool = tally.report;
    tool.calls += 1;
    const minute = this.minute(call.timeMs);
    minute.calls += 1;
    if (call.cause === undefined) {
      this.allowed += 1;
      tool.allowed += 1;
    } else {
      tool.refused[call.cause] = (tool.refused[call.cause] ?? 0) + 1;
      minute.refused += 1;
      if (!call.enforced) tool.notEnforced += 1;
      this.countReason(call, call.cause);
    }
    if (wasForwarded(call)) this.countOutcome(tally, call);
    this.countBudgets(call);
  }

  build(): Report {
    const tools = [...this.tools.values()]
      .map(({ report, latencies }) => {
        latencies.sort((a, b) => a - b);
        return { ...report, latencyMs: { p50: percentile(latencies, 50) ?? null, p99: percentile(latencies, 99) ?? null } };
      })
      .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
    return {
      from: this.first,
      to: this.last,
      calls: this.calls,
      allowed: this.allowed,
      refused: this.calls - this.allowed,
      tools,
      refusalReasons: [...this.reasons.values()].sort((a, b) => b.count - a.count || a.tool.localeCompare(b.tool)).slice(0, TOP_REASONS),
      budgets: [...this.budgets.values()].sort((a, b) => a.counter.localeCompare(b.counter) || a.rule.localeCompare(b.rule)),
      perMinute: [...this.minutes.entries()].sort(([a], [b]) => a - b).map(([, count]) => count),
    };
  }

  private toolTally(name: string): ToolTally {
    let tally = this.tools.get(name);
    if (tally === undefined) {
      tally = { report: { name, calls: 0, allowed: 0, refused: {}, notEnforced: 0, outcomes: { errors: 0, timeouts: 0, other: 0 }, latencyMs: { p50: null, p99: null } }, latencies: [] };
      this.tools.set(name, tally);
    }
    return tally;
  }

  private minute(timeMs: number): MinuteCount {
    const start = Math.floor(timeMs / 60_000) * 60_000;
    let count = this.minutes.get(start);
    if (count === undefined) {
      count = { minute: new Date(start).toISOString(), calls: 0, refused: 0 };
      this.minutes.set(start, count);
    }
    return count;
  }

  private countReason(call: LoggedCall, cause: string): void {
    const reason = call.reason ?? `(${call.decision})`;
    const key = JSON.stringify([call.tool, cause, reason]);
    const seen = this.reasons.get(key);
    if (seen === undefined) this.reasons.set(key, { tool: call.tool, cause, reason, count: 1 });
    else seen.count += 1;
  }

  private countOutcome({ report, latencies }: ToolTally, call: LoggedCall): void {
    if (call.outcome === 'error' || (call.outcome === 'result' && call.isError)) report.outcomes.errors += 1;
    else if (call.outcome === 'timeout') report.outcomes.timeouts += 1;
    else if (call.outcome !== undefined && call.outcome !== 'result') report.outcomes.other += 1;
    if (call.latencyMs !== undefined && (call.outcome === 'result' || call.outcome === 'error' || call.outcome === 'timeout')) latencies.push(call.latencyMs);
  }

  private countBudgets(call: LoggedCall): void {
    for (const counter of call.counters) {
      const key = JSON.stringify([counter.counter, counter.rule, counter.scope, counter.windowMs, counter.max]);
      let budget = this.budgets.get(key);
      if (budget === undefined) {
        budget = { counter: counter.counter, rule: counter.rule, scope: counter.scope, windowMs: counter.windowMs, max: counter.max, peak: 0, limited: 0 };
        this.budgets.set(key, budget);
      }
      budget.peak = Math.max(budget.peak, counter.used);
      if (call.decision === 'limited' && call.rule === counter.rule) budget.limited += 1;
    }
  }
}
