import { chartRows } from '../../../src/audit/chart.js';
import { parseLoggedCall } from '../../../src/audit/logged-call.js';
import { percentile } from '../../../src/audit/percentile.js';
import { ReportBuilder, TOP_REASONS } from '../../../src/audit/report.js';
import { forwarded, logged, refused } from './calls.js';

const counter = (used: number, max = 3, rule = '/tools/echo/limits/0') => ({ counter: rule, rule, scope: 'grant', used, max, windowMs: 60_000 });

function report(calls: ReturnType<typeof logged>[]) {
  const builder = new ReportBuilder();
  for (const call of calls) builder.add(call);
  return builder.build();
}

describe('audit report', () => {
  test('one record is one call: refusals counted by cause, outcomes and latency only for forwarded calls', () => {
    const result = report([
      forwarded(0, 'echo', { latencyMs: 10, counters: [counter(1)] }),
      forwarded(1000, 'echo', { latencyMs: 30, counters: [counter(2)] }),
      forwarded(2000, 'echo', { outcome: 'result', isError: true, latencyMs: 20, counters: [counter(3)] }),
      refused(3000, 'echo', 'limited', 'limit', { rule: '/tools/echo/limits/0', counters: [counter(3)] }),
      forwarded(4000, 'search', { outcome: 'timeout', latencyMs: 5000 }),
      forwarded(5000, 'search', { outcome: 'error', errorCode: -32603, latencyMs: 7 }),
      forwarded(6000, 'search', { outcome: 'cancelled', latencyMs: 1 }),
      refused(7000, 'delete', 'deny', 'rule'),
      refused(8000, 'delete', 'deny', 'rule'),
      refused(9000, 'hidden_one', 'deny', 'default'),
      refused(10_000, 'echo', 'store-unavailable', 'store'),
      refused(11_000, 'echo', 'audit-unavailable', 'audit'),
    ]);
    expect(result).toMatchObject({ calls: 12, allowed: 6, refused: 6 });
    const byName = Object.fromEntries(result.tools.map((tool) => [tool.name, tool]));
    expect(byName.echo).toEqual({
      name: 'echo',
      calls: 6,
      allowed: 3,
      refused: { limit: 1, store: 1, audit: 1 },
      notEnforced: 0,
      outcomes: { errors: 1, timeouts: 0, other: 0 },
      latencyMs: { p50: 20, p99: 30 },
    });
    expect(byName.search).toMatchObject({ calls: 3, allowed: 3, outcomes: { errors: 1, timeouts: 1, other: 1 }, latencyMs: { p50: 7, p99: 5000 } });
    expect(byName.delete).toMatchObject({ calls: 2, allowed: 0, refused: { rule: 2 }, latencyMs: { p50: null, p99: null } });
    expect(result.refusalReasons[0]).toEqual({ tool: 'delete', cause: 'rule', reason: 'delete rule', count: 2 });
    expect(result.budgets).toEqual([{ counter: '/tools/echo/limits/0', rule: '/tools/echo/limits/0', scope: 'grant', windowMs: 60_000, max: 3, peak: 3, limited: 1 }]);
  });

  test('decisions and causes it does not know are counted under their own names; approval-required under approval', () => {
    const result = report([
      refused(0, 'pay', 'approval-required', 'approval'),
      refused(1, 'pay', 'approval-required', undefined),
      refused(2, 'pay', 'quarantined', undefined),
      refused(3, 'pay', 'deny', 'new-cause'),
    ]);
    expect(result.tools[0]?.refused).toEqual({ approval: 2, quarantined: 1, 'new-cause': 1 });
  });

  test('monitor mode: refusals only recorded count as refused, not enforced, and their outcomes count', () => {
    const result = report([refused(0, 'delete', 'deny', 'rule', { enforced: false, outcome: 'result', isError: false, latencyMs: 4 })]);
    expect(result.tools[0]).toMatchObject({ refused: { rule: 1 }, notEnforced: 1, latencyMs: { p50: 4 } });
  });

  test('calls per minute: minutes with calls, refusals among them', () => {
    const result = report([forwarded(0, 'a'), forwarded(59_999, 'a'), refused(60_000, 'a', 'deny', 'rule'), forwarded(180_000, 'a')]);
    expect(result.perMinute).toEqual([
      { minute: '2026-12-03T10:00:00.000Z', calls: 2, refused: 0 },
      { minute: '2026-12-03T10:01:00.000Z', calls: 1, refused: 1 },
      { minute: '2026-12-03T10:03:00.000Z', calls: 1, refused: 0 },
    ]);
    expect(chartRows(result.perMinute).rows.map((row) => [row.start.slice(11, 16), row.calls, row.refused])).toEqual([
      ['10:00', 2, 0],
      ['10:01', 1, 1],
      ['10:02', 0, 0],
      ['10:03', 1, 0],
    ]);
  });

  test('a long period is drawn in rows of several minutes, never more than the row limit', () => {
    const calls = Array.from({ length: 120 }, (_, minute) => forwarded(minute * 60_000, 'a'));
    const chart = chartRows(report(calls).perMinute, 30);
    expect(chart.minutesPerRow).toBe(4);
    expect(chart.rows).toHaveLength(30);
    expect(chart.rows.every((row) => row.calls === 4)).toBe(true);
    expect(chartRows([]).rows).toEqual([]);
  });

  test(`at most ${TOP_REASONS} refusal reasons, the most frequent first`, () => {
    const calls = Array.from({ length: 15 }, (_, n) => Array.from({ length: n + 1 }, () => refused(n, `tool${n}`, 'deny', 'rule'))).flat();
    const reasons = report(calls).refusalReasons;
    expect(reasons).toHaveLength(TOP_REASONS);
    expect(reasons.map((reason) => reason.count)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
  });

  test('lines that are not call records are not calls', () => {
    expect(parseLoggedCall(Buffer.from('not json'), 1)).toBeUndefined();
    expect(parseLoggedCall(Buffer.from('{"time":"x","tool":"a","decision":"allow"}'), 1)).toBeUndefined();
    expect(parseLoggedCall(Buffer.from('{"time":"2026-12-03T10:00:00Z","decision":"allow"}'), 1)).toBeUndefined();
  });

  test('nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5], 99)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(hundred, 50), percentile(hundred, 99), percentile(hundred, 100)]).toEqual([50, 99, 100]);
  });
});
