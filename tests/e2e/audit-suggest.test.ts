import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuild, tempDir } from '../support/wrapper.js';
import { policyWrap, rawSession } from './audit-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** What the agent did with the Plex stand-in, learning under a policy that lets everything through. */
const learned = [
  ...Array.from({ length: 4 }, () => ({ name: 'get_libraries' })),
  { name: 'search_media', arguments: { query: 'alien' } },
  { name: 'search_media', arguments: { query: 'heat' } },
  { name: 'get_on_deck' },
];

describe('audit suggest from a real Plex log', () => {
  const audit = join(tmp.dir, 'learn.jsonl');
  const suggested = join(tmp.dir, 'suggested.json');

  beforeAll(async () => {
    const session = await rawSession(tmp.dir, { version: '1', default: 'allow', tools: { delete_playlist: { action: 'deny', hide: false } } }, audit, 'plex', [], 'learning.json');
    await session.calls([...learned, { name: 'delete_playlist', arguments: { playlistId: '1' } }]);
    await session.stop();
  }, 30_000);

  test('writes a policy (0600) for the tools in use that lints clean, and says what it inferred', async () => {
    const result = await policyWrap(['audit', 'suggest', '--out', 'suggested.json', 'learn.jsonl'], tmp.dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/inferred from 8 call records: 3 tools allowed, each limited to 2× its peak calls in a minute and in an hour, with a timeout of 2× its p99 latency/);
    expect(result.stderr).toMatch(/delete_playlist: left denied: its one call was refused/);
    expect(statSync(suggested).mode & 0o777).toBe(0o600);
    const policy = JSON.parse(readFileSync(suggested, 'utf8'));
    expect(policy).toMatchObject({ version: '1', default: 'deny' });
    expect(Object.keys(policy.tools)).toEqual(['get_libraries', 'get_on_deck', 'search_media']);
    expect(policy.tools.get_libraries.limits).toEqual([
      { window: 'minute', max: 8 },
      { window: 'hour', max: 8 },
    ]);
    expect(policy.tools.get_libraries.timeout).toBeGreaterThanOrEqual(1);

    const lint = await policyWrap(['lint', 'suggested.json'], tmp.dir);
    expect(lint).toMatchObject({ exitCode: 0, stdout: 'suggested.json: ok', stderr: '' });
  });

  test('replayed on its own log it refuses nothing the log shows in use; the refused call stays refused', async () => {
    const result = await policyWrap(['audit', 'replay', '--policy', 'suggested.json', '--format', 'json', 'learn.jsonl'], tmp.dir);
    const replay = JSON.parse(result.stdout);
    expect(replay).toMatchObject({ calls: 8, unchanged: 8, refused: 1, newlyRefused: [], newlyAllowed: [], unknown: [] });
  });

  test('in force, it lets the same calls through and refuses a tool the agent never used', async () => {
    const enforced = join(tmp.dir, 'enforced.jsonl');
    const session = await rawSession(tmp.dir, JSON.parse(readFileSync(suggested, 'utf8')), enforced, 'plex', [], 'in-force.json');
    const answers = await session.calls([...learned, { name: 'trakt_authenticate' }]);
    await session.stop();
    // The stand-in fails every call it gets (no Plex behind it): forwarded calls come back as its errors.
    expect(answers.slice(0, learned.length).map((answer) => answer.error?.code)).toEqual(learned.map(() => -32603));
    const report = JSON.parse((await policyWrap(['audit', 'report', '--format', 'json', enforced], tmp.dir)).stdout);
    expect(report).toMatchObject({ calls: learned.length + 1, allowed: learned.length, refused: 1 });
    expect(report.tools.find((tool: { name: string }) => tool.name === 'trakt_authenticate').refused).toEqual({ default: 1 });
  });

  test('an existing --out is not overwritten without --force', async () => {
    const again = await policyWrap(['audit', 'suggest', '--out', 'suggested.json', 'learn.jsonl'], tmp.dir);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/audit\.out-exists: .*suggested\.json already exists; pass --force/);
    const forced = await policyWrap(['audit', 'suggest', '--headroom', '3', '--out', 'suggested.json', '--force', 'learn.jsonl'], tmp.dir);
    expect(forced.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(suggested, 'utf8')).tools.get_libraries.limits[0]).toEqual({ window: 'minute', max: 12 });
  });
});
