import { Replayer } from '../../../src/audit/replay.js';
import { PolicySuggester, peakInWindow } from '../../../src/audit/suggest.js';
import type { LoggedCall } from '../../../src/audit/logged-call.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText } from '../../../src/policy/index.js';
import { forwarded, refused } from './calls.js';

function suggest(calls: readonly LoggedCall[], headroom?: number) {
  const suggester = new PolicySuggester(headroom);
  for (const call of calls) suggester.add(call);
  return suggester.build();
}

/** Loads as the wrapper would; every warning of lint is in `warnings`. */
function load(document: unknown) {
  const loaded = loadPolicyText(JSON.stringify(document, null, 2), 'suggested.json', { defaultNamespace: 'test' });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded;
}

describe('audit suggest', () => {
  test('the peak in a rolling window counts calls later than its start, as the limiter does', () => {
    expect(peakInWindow([], 60_000)).toBe(0);
    expect(peakInWindow([0, 1, 2], 60_000)).toBe(3);
    expect(peakInWindow([0, 60_000, 120_000], 60_000)).toBe(1);
    expect(peakInWindow([0, 59_999, 60_000, 60_001], 60_000)).toBe(3);
  });

  test('tools in use allowed with limits at peak × headroom and a timeout from p99 × headroom; the rest denied by default', () => {
    const calls = [
      ...[0, 1000, 2000, 70_000].map((at) => forwarded(at, 'search', { latencyMs: 1200 })),
      forwarded(3000, 'get', { latencyMs: 40 }),
      refused(4000, 'delete', 'deny', 'rule'),
      refused(5000, 'delete', 'deny', 'rule'),
    ];
    const suggestion = suggest(calls, 2);
    expect(suggestion.document).toEqual({
      $schema: expect.any(String),
      version: '1',
      default: 'deny',
      tools: {
        get: { action: 'allow', limits: [{ window: 'minute', max: 2 }, { window: 'hour', max: 2 }], timeout: 1 },
        search: { action: 'allow', limits: [{ window: 'minute', max: 6 }, { window: 'hour', max: 8 }], timeout: 3 },
      },
    });
    expect(suggestion.records).toBe(7);
    expect(suggestion.notes[0]).toMatch(/^inferred from 7 call records: 2 tools allowed/);
    expect(suggestion.notes).toContain('delete: left denied: its 2 calls were all refused, none reached the server');
    expect(load(suggestion.document).warnings).toEqual([]);
  });

  test('calls refused only in the record (monitor mode) reached the server: the tool is in use', () => {
    const suggestion = suggest([refused(0, 'delete', 'deny', 'rule', { enforced: false, outcome: 'result', latencyMs: 5 })]);
    expect(Object.keys(suggestion.document.tools ?? {})).toEqual(['delete']);
  });

  test('peaks are per grant, as budgets count by default; a tool without latencies gets no timeout; names with glob characters are escaped', () => {
    const calls = [forwarded(0, 'a*b', { grant: 'x', outcome: 'not-forwarded' }), forwarded(1, 'a*b', { grant: 'y', outcome: 'not-forwarded' })];
    const suggestion = suggest(calls, 1.5);
    expect(suggestion.document.tools).toEqual({ 'a\\*b': { action: 'allow', limits: [{ window: 'minute', max: 2 }, { window: 'hour', max: 2 }] } });
    expect(suggestion.notes.join('\n')).toMatch(/a\*b: written as "a\\\\\*b"/);
    expect(load(suggestion.document).policy.ruleFor('a*b')?.action).toBe('allow');
    expect(load(suggestion.document).policy.ruleFor('aXb')).toBeUndefined();
  });

  test('replayed on its own log, the suggestion refuses none of the calls that reached the server', () => {
    // A busy log: bursts, quiet spells, several grants, calls out of time order (written when they ended).
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const calls: LoggedCall[] = [];
    for (let i = 0; i < 600; i += 1) {
      const at = Math.floor(random() * 3 * 3_600_000);
      const tool = ['search', 'get', 'list'][Math.floor(random() * 3)] as string;
      calls.push(forwarded(at, tool, { grant: random() < 0.3 ? 'ci' : 'default', latencyMs: random() * 900 }));
      if (random() < 0.2) for (let burst = 1; burst < 12; burst += 1) calls.push(forwarded(at + burst * 50, tool));
    }
    for (const headroom of [1, 2]) {
      const suggestion = suggest(calls, headroom);
      const replayer = new Replayer(load(suggestion.document).policy, new MemoryStore());
      for (const call of [...calls].sort((a, b) => a.timeMs - b.timeMs || a.line - b.line)) replayer.add(call);
      const result = replayer.finish();
      expect({ headroom, refused: result.refused, newlyRefused: result.newlyRefused.length, unknown: result.unknown.length }).toEqual({ headroom, refused: 0, newlyRefused: 0, unknown: 0 });
    }
  });

  test('headroom 1 fits the peaks exactly: one call more in the peak minute would be refused', () => {
    const calls = [0, 1, 2].map((at) => forwarded(at, 'echo'));
    const suggestion = suggest(calls, 1);
    const replayer = new Replayer(load(suggestion.document).policy, new MemoryStore());
    for (const call of [...calls, forwarded(3, 'echo')]) replayer.add(call);
    expect(replayer.finish().newlyRefused).toHaveLength(1);
  });
});
