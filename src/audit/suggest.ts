import { policySchemaId, type LimitRule, type PolicyDocument, type ToolRule } from '../policy/index.js';
import { literalKey } from '../policy/glob.js';
import { wasForwarded, type LoggedCall } from './logged-call.js';
import { percentile } from './percentile.js';

export const DEFAULT_HEADROOM = 2;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The schema's largest timeout, in seconds. */
const MAX_TIMEOUT_SECONDS = 86_400;

/** What one tool's calls in the log show, and what was made of it. */
export interface ToolFit {
  tool: string;
  calls: number;
  /** most calls counted together in any rolling minute and hour, for any one grant */
  peakMinute: number;
  peakHour: number;
  p99LatencyMs: number | null;
  /** undefined: left to the default (denied), with why */
  rule?: ToolRule;
  leftDenied?: string;
}

export interface Suggestion {
  document: PolicyDocument;
  tools: ToolFit[];
  /** call records the suggestion was inferred from */
  records: number;
  headroom: number;
  /** lines for the person running it */
  notes: string[];
}

interface ToolCalls {
  calls: number;
  used: boolean;
  /** recorded times of the calls a budget would count, per grant (scope "grant", the default) */
  times: Map<string, number[]>;
  latencies: number[];
}

/**
 * Fits a policy to the calls of a log: deny by default; each tool the log shows in use (a call
 * that reached the server) allowed, with at most its peak calls in a rolling minute and hour
 * times the headroom, and a timeout of its p99 latency times the headroom. Calls are given one at
 * a time; the times are kept, a number per call.
 */
export class PolicySuggester {
  private readonly tools = new Map<string, ToolCalls>();
  private records = 0;

  constructor(private readonly headroom: number = DEFAULT_HEADROOM) {}

  add(call: LoggedCall): void {
    if (call.nameCut || call.tool === '') return;
    this.records += 1;
    let tool = this.tools.get(call.tool);
    if (tool === undefined) {
      tool = { calls: 0, used: false, times: new Map(), latencies: [] };
      this.tools.set(call.tool, tool);
    }
    tool.calls += 1;
    if (wasForwarded(call)) tool.used = true;
    // Under the suggested policy every call of an allowed tool counts, but a retry (never counted).
    if (!call.retry) {
      const times = tool.times.get(call.grant) ?? [];
      times.push(call.timeMs);
      tool.times.set(call.grant, times);
    }
    if (call.latencyMs !== undefined && (call.outcome === 'result' || call.outcome === 'error' || call.outcome === 'timeout')) tool.latencies.push(call.latencyMs);
  }

  build(): Suggestion {
    const fits = [...this.tools.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, calls]) => this.fit(name, calls));
    const rules = fits.filter((fit) => fit.rule !== undefined).map((fit) => [literalKey(fit.tool), fit.rule as ToolRule] as const);
    const document: PolicyDocument = { $schema: policySchemaId, version: '1', default: 'deny', tools: Object.fromEntries(rules) };
    const notes = [
      `inferred from ${this.records} call records: ${rules.length} ${rules.length === 1 ? 'tool' : 'tools'} allowed, each limited to ${this.headroom}× its peak calls in a minute and in an hour` +
        `${fits.some((fit) => fit.rule?.timeout !== undefined) ? `, with a timeout of ${this.headroom}× its p99 latency` : ''}; every other tool is denied by default`,
      ...fits.flatMap((fit) => (fit.leftDenied === undefined ? [] : [`${fit.tool}: left denied: ${fit.leftDenied}`])),
      ...fits.flatMap((fit) => (fit.rule !== undefined && literalKey(fit.tool) !== fit.tool ? [`${fit.tool}: written as ${JSON.stringify(literalKey(fit.tool))} so it is not read as a pattern`] : [])),
    ];
    return { document, tools: fits, records: this.records, headroom: this.headroom, notes };
  }

  private fit(tool: string, calls: ToolCalls): ToolFit {
    const sortedTimes = [...calls.times.values()].map((times) => times.sort((a, b) => a - b));
    const peakMinute = Math.max(0, ...sortedTimes.map((times) => peakInWindow(times, MINUTE_MS)));
    const peakHour = Math.max(0, ...sortedTimes.map((times) => peakInWindow(times, HOUR_MS)));
    const p99 = percentile(
      calls.latencies.sort((a, b) => a - b),
      99,
    );
    const fit: ToolFit = { tool, calls: calls.calls, peakMinute, peakHour, p99LatencyMs: p99 ?? null };
    if (!calls.used) {
      fit.leftDenied = calls.calls === 1 ? 'its one call was refused' : `its ${calls.calls} calls were all refused, none reached the server`;
      return fit;
    }
    const limits: LimitRule[] = [
      { window: 'minute', max: Math.max(1, Math.ceil(peakMinute * this.headroom)) },
      { window: 'hour', max: Math.max(1, Math.ceil(peakHour * this.headroom)) },
    ];
    const rule: ToolRule = { action: 'allow', limits };
    if (p99 !== undefined) rule.timeout = Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, Math.ceil((p99 * this.headroom) / 1000)));
    fit.rule = rule;
    return fit;
  }
}

/**
 * The most calls in any rolling window of `windowMs` ending at a call, as a budget counts them
 * (calls later than the window's start): `times` sorted ascending.
 */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  let peak = 0;
  let first = 0;
  for (let i = 0; i < times.length; i += 1) {
    const now = times[i] as number;
    while ((times[first] as number) <= now - windowMs) first += 1;
    peak = Math.max(peak, i - first + 1);
  }
  return peak;
}

