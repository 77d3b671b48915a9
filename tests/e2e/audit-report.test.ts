import { join } from 'node:path';
import { requireBuild, tempDir } from '../support/wrapper.js';
import { policyWrap, rawSession, records } from './audit-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** In front of the Plex stand-in: every call that reaches it fails (no Plex server behind it). */
const policy = {
  version: '1',
  default: 'deny',
  tools: {
    get_libraries: { limits: [{ window: 'minute', max: 3 }] },
    search_media: {},
    delete_playlist: { action: 'deny', reason: 'no deleting', hide: false },
  },
};

const audit = join(tmp.dir, 'plex.jsonl');

beforeAll(async () => {
  const session = await rawSession(tmp.dir, policy, audit, 'plex');
  await session.calls([
    ...Array.from({ length: 5 }, () => ({ name: 'get_libraries' })),
    { name: 'search_media', arguments: { query: 'alien' } },
    { name: 'search_media', arguments: { query: 'heat' } },
    { name: 'delete_playlist', arguments: { playlistId: '7' } },
    { name: 'trakt_authenticate' },
  ]);
  await session.stop();
}, 30_000);

describe('audit report on a real Plex log', () => {
  test('JSON: the figures of the calls made', async () => {
    const result = await policyWrap(['audit', 'report', '--format', 'json', audit], tmp.dir);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ calls: 9, allowed: 5, refused: 4 });
    const byName = Object.fromEntries(report.tools.map((tool: { name: string }) => [tool.name, tool]));
    expect(byName.get_libraries).toMatchObject({ calls: 5, allowed: 3, refused: { limit: 2 }, outcomes: { errors: 3, timeouts: 0 } });
    expect(byName.search_media).toMatchObject({ calls: 2, allowed: 2, refused: {}, outcomes: { errors: 2, timeouts: 0 } });
    expect(byName.delete_playlist).toMatchObject({ calls: 1, allowed: 0, refused: { rule: 1 } });
    expect(byName.trakt_authenticate).toMatchObject({ calls: 1, allowed: 0, refused: { default: 1 } });
    // Latency percentiles are the recorded ones (never compared with a clock here).
    const latencies = records(audit)
      .filter((record) => record.tool === 'search_media')
      .map((record) => record.latencyMs as number)
      .sort((a, b) => a - b);
    expect(byName.search_media.latencyMs).toEqual({ p50: latencies[0], p99: latencies[1] });
    expect(report.refusalReasons[0]).toMatchObject({ tool: 'get_libraries', cause: 'limit', count: 2, reason: 'at most 3 calls per minute for get_libraries' });
    expect(report.refusalReasons).toContainEqual({ tool: 'delete_playlist', cause: 'rule', reason: 'no deleting', count: 1 });
    expect(report.budgets).toEqual([{ counter: '/tools/get_libraries/limits/0', rule: '/tools/get_libraries/limits/0', scope: 'grant', windowMs: 60_000, max: 3, peak: 3, limited: 2 }]);
    expect(report.perMinute.reduce((sum: number, minute: { calls: number }) => sum + minute.calls, 0)).toBe(9);
    expect(report.perMinute.reduce((sum: number, minute: { refused: number }) => sum + minute.refused, 0)).toBe(4);
  });

  test('text in a pipe: the table, reasons, budgets and chart, without colour', async () => {
    const result = await policyWrap(['audit', 'report', 'plex.jsonl'], tmp.dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toMatch(/\u001b\[/);
    expect(result.stdout).toMatch(/^plex\.jsonl: 9 calls from \S+ to \S+: 5 allowed, 4 refused$/m);
    expect(result.stdout).toMatch(/^get_libraries\s+5\s+3\s+limit 2\s+3\s+0\s/m);
    expect(result.stdout).toMatch(/^ {2}3\/3 {2}\/tools\/get_libraries\/limits\/0 {2}grant, per minute {2}2 limited$/m);
    expect(result.stdout).toMatch(/^Calls per minute/m);
  });

  test('--since: a time after the log leaves nothing; a duration covering it keeps everything', async () => {
    const later = await policyWrap(['audit', 'report', '--since', '2999-01-01T00:00:00Z', 'plex.jsonl'], tmp.dir);
    expect(later.stdout).toBe('plex.jsonl: no calls recorded since 2999-01-01T00:00:00Z');
    const recent = await policyWrap(['audit', 'report', '--since', '1000d', '--format', 'json', audit], tmp.dir);
    expect(JSON.parse(recent.stdout).calls).toBe(9);
    const wrong = await policyWrap(['audit', 'report', '--since', 'soon', audit], tmp.dir);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/audit\.bad-since/);
  });
});
