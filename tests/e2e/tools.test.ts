import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { ToolRow } from '../../src/tools/rows.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/policy-wrap.js');
const standin = join(root, 'tests/fixtures/servers/plex-standin.mjs');
const examplePolicy = join(root, 'examples/plex-mcp-server.policy.json');

let dir: string;

function envWith(extra: Record<string, string> = {}, { token = true } = {}): Record<string, string> {
  const { PLEX_TOKEN: _token, POLICY_WRAP_POLICY: _policy, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, FORCE_COLOR: '0', ...(token ? { PLEX_TOKEN: 'x' } : {}), ...extra };
}

/** `policy-wrap tools <own> -- <server>`; a null server leaves out `--` and everything after it. */
function tools(own: string[], server: string[] | null = ['node', standin], env = envWith()) {
  const argv = server === null ? ['tools', ...own] : ['tools', ...own, '--', ...server];
  return execa('node', [cli, ...argv], { cwd: dir, env, extendEnv: false, reject: false });
}

async function jsonRows(own: string[], env = envWith()): Promise<ToolRow[]> {
  return parse(await tools(['--format', 'json', ...own], ['node', standin], env));
}

function parse(result: { exitCode?: number; stdout: string; stderr: string }): ToolRow[] {
  if (result.exitCode !== 0) throw new Error(`policy-wrap tools exited ${String(result.exitCode)}: ${result.stderr}`);
  return JSON.parse(result.stdout) as ToolRow[];
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli/tools.js'))) throw new Error('dist/cli/tools.js is missing: run `npm run build` before the e2e tests');
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-wrap-tools-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * What examples/plex-mcp-server.policy.json does with each of the 58 tools of the Plex MCP Server
 * v1.5.0: decision, its own limits (without the "for <tool>" ending), the arguments its rule
 * checks, and the timeout in seconds.
 */
type Expected = [name: string, decision: ToolRow['decision'], limits: string[], checkedArguments: string[], timeoutSeconds: number | undefined];
const perHour30 = 'at most 30 calls per hour';
const writes30 = 'at most 30 calls per hour, counting only calls that succeed';
const expectations: Expected[] = [
  ['add_to_playlist', 'limited', [writes30, 'at most 50 calls per hour, counted per distinct arguments.playlistId'], ['playlistId', 'ratingKey'], 60],
  ['add_to_watchlist', 'limited', [writes30, 'at most 2 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey'], 60],
  ['arr_get_status', 'allowed', [], [], 75],
  ['clear_playlist', 'limited', [writes30], ['playlistId', 'confirm'], 60],
  ['create_playlist', 'limited', [writes30, 'at most 10 calls per day'], ['title', 'ratingKeys', 'librarySectionId', 'smartFilter'], 60],
  ['delete_playlist', 'ask', [writes30], ['playlistId'], 60],
  ['export_library', 'limited', ['at most 2 calls per hour'], ['libraryKey', 'pageSize', 'outputPath'], 900],
  ['get_active_sessions', 'limited', [perHour30], [], 60],
  ['get_editable_fields', 'allowed', [], ['ratingKey'], 60],
  ['get_fully_watched', 'allowed', [], ['libraryKey', 'limit'], 120],
  ['get_libraries', 'allowed', [], [], 60],
  ['get_library_items', 'allowed', [], ['libraryKey', 'limit', 'offset', 'sort'], 60],
  ['get_library_stats', 'allowed', [], ['libraryKey'], 120],
  ['get_media_details', 'allowed', [], ['ratingKey'], 60],
  ['get_on_deck', 'allowed', [], [], 60],
  ['get_playlist_items', 'allowed', [], ['playlistId'], 60],
  ['get_playlists', 'allowed', [], [], 60],
  ['get_popular_content', 'limited', ['at most 20 calls per hour'], ['timeRange', 'limit'], 180],
  ['get_recently_added', 'allowed', [], ['limit'], 60],
  ['get_recently_watched', 'allowed', [], ['limit'], 60],
  ['get_recommendations', 'limited', ['at most 10 calls per hour'], ['libraryKey', 'limit', 'userId'], 180],
  ['get_user_stats', 'limited', [perHour30], ['timeRange'], 120],
  ['get_watch_history', 'limited', [perHour30], ['limit', 'userId'], 60],
  ['get_watch_stats', 'allowed', [], ['timeRange'], 120],
  ['get_watchlist', 'allowed', [], [], 60],
  ['mark_unwatched', 'limited', [writes30, 'at most 3 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey'], 60],
  ['mark_watched', 'limited', [writes30, 'at most 3 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey'], 60],
  ['radarr_add_movie', 'limited', ['at most 10 calls per day', 'at most 1 call per day, counted per distinct arguments.tmdbId'], ['tmdbId', 'qualityProfileId', 'rootFolderPath'], 60],
  ['radarr_get_calendar', 'allowed', [], ['startDate', 'endDate', 'limit'], 60],
  ['radarr_get_missing', 'allowed', [], ['page', 'pageSize'], 60],
  ['radarr_get_movies', 'allowed', [], ['filter', 'limit'], 90],
  ['radarr_get_profiles', 'allowed', [], [], 60],
  ['radarr_get_queue', 'allowed', [], ['limit'], 60],
  ['radarr_search', 'allowed', [], ['query', 'limit'], 60],
  ['radarr_trigger_search', 'limited', ['at most 5 calls per hour'], ['movieId'], 60],
  ['rate_media', 'limited', [writes30, 'at most 3 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey'], 60],
  ['remove_from_playlist', 'limited', [writes30, 'at most 20 calls per hour, counted per distinct arguments.playlistId'], ['playlistId', 'playlistItemId'], 60],
  ['remove_from_watchlist', 'limited', [writes30], ['plexGuid', 'ratingKey'], 60],
  ['search_media', 'allowed', [], ['query', 'libraryKey', 'limit', 'offset'], 60],
  ['sonarr_add_series', 'limited', ['at most 10 calls per day', 'at most 1 call per day, counted per distinct arguments.tvdbId'], ['tvdbId', 'qualityProfileId', 'rootFolderPath'], 60],
  ['sonarr_get_calendar', 'allowed', [], ['startDate', 'endDate', 'limit'], 60],
  ['sonarr_get_missing', 'allowed', [], ['page', 'pageSize'], 60],
  ['sonarr_get_profiles', 'allowed', [], [], 60],
  ['sonarr_get_queue', 'allowed', [], ['limit'], 60],
  ['sonarr_get_series', 'allowed', [], ['filter', 'limit'], 90],
  ['sonarr_search', 'allowed', [], ['query', 'limit'], 60],
  ['sonarr_trigger_search', 'limited', ['at most 5 calls per hour'], ['seriesId'], 60],
  ['trakt_authenticate', 'limited', ['at most 10 calls per minute'], [], 30],
  ['trakt_complete_auth', 'limited', ['at most 5 calls per hour'], [], 30],
  ['trakt_get_auth_status', 'allowed', [], [], 30],
  ['trakt_get_sync_status', 'allowed', [], [], 10],
  ['trakt_get_user_stats', 'allowed', [], ['userId'], 30],
  ['trakt_search', 'allowed', [], ['query', 'type', 'year', 'limit'], 30],
  ['trakt_start_scrobbling', 'limited', ['at most 10 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey', 'progress', 'duration'], 30],
  ['trakt_sync_from_trakt', 'limited', ['at most 20 calls per hour'], [], 60],
  ['trakt_sync_to_trakt', 'limited', ['at most 2 calls per hour, when the arguments match its "when"'], ['batchSize'], 1800],
  ['update_metadata', 'limited', [writes30, 'at most 5 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey', 'year', 'rating', 'genres', 'collections', 'roles', 'directors'], 60],
  ['update_metadata_from_json', 'limited', [writes30, 'at most 5 calls per hour, counted per distinct arguments.ratingKey'], ['ratingKey', 'setPosterFromUrl'], 60],
];

describe('policy-wrap tools with the example Plex policy against the stand-in', () => {
  let rows: ToolRow[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'policy-wrap-tools-'));
    rows = parse(await tools(['--format', 'json', '--policy', examplePolicy]));
    rmSync(dir, { recursive: true, force: true });
  });

  test('one row for each of the 58 tools, sorted by name', () => {
    expect(rows.map((row) => row.name)).toEqual(expectations.map(([name]) => name));
    expect(rows).toHaveLength(58);
  });

  test.each(expectations)('%s: %s', (name, decision, limits, checkedArguments, timeoutSeconds) => {
    const row = rows.find((candidate) => candidate.name === name) as ToolRow;
    expect(row.decision).toBe(decision);
    expect(row.hidden).toBe(false);
    expect(row.enforced).toBe(true);
    expect(row.limits.map((limit) => limit.description.replace(` for ${name}`, ''))).toEqual(limits);
    expect(row.checkedArguments).toEqual(checkedArguments);
    expect(row.argumentsChecked).toBe(checkedArguments.length > 0);
    expect(row.timeoutSeconds).toBe(timeoutSeconds);
    if (decision === 'denied') {
      expect(row).toMatchObject({ rule: `/tools/${name}`, budgets: [], inputSchemaChecked: false, reason: expect.any(String) });
    } else {
      expect(row).toMatchObject({ rule: `/tools/${name}`, inputSchemaChecked: true });
      expect(row).not.toHaveProperty('reason');
      expect(row.budgets.at(-1)).toBe('at most 60 calls per minute for all tools');
    }
  });

  test('no tool is denied outright: trakt_complete_auth is allowed with its tokens redacted', () => {
    expect(rows.filter((row) => row.decision === 'denied').map((row) => row.name)).toEqual([]);
  });

  test("the server's hints are reported as it states them", () => {
    const hints = (name: string) => rows.find((row) => row.name === name)?.hints;
    expect(hints('delete_playlist')).toEqual({ readOnly: false, destructive: true, openWorld: true });
    expect(hints('get_libraries')).toEqual({ readOnly: true, destructive: false, openWorld: true });
  });

  test('Plex writes share one budget of 30 an hour; additions to Sonarr and Radarr share theirs', () => {
    const writes = rows.filter((row) => row.limits.some((limit) => limit.counter === 'plex_writes')).map((row) => row.name);
    expect(writes).toEqual([
      'add_to_playlist',
      'add_to_watchlist',
      'clear_playlist',
      'create_playlist',
      'delete_playlist',
      'mark_unwatched',
      'mark_watched',
      'rate_media',
      'remove_from_playlist',
      'remove_from_watchlist',
      'update_metadata',
      'update_metadata_from_json',
    ]);
    const markWatched = rows.find((row) => row.name === 'mark_watched');
    expect(markWatched?.limits[0]).toMatchObject({ counter: 'plex_writes', sharedWith: writes.filter((name) => name !== 'mark_watched') });
    expect(rows.find((row) => row.name === 'sonarr_add_series')?.limits[0]).toMatchObject({ counter: 'arr_additions', sharedWith: ['radarr_add_movie'] });
  });
});

describe('policy-wrap tools: the table', () => {
  test('a header, one line per tool and a summary on stdout, without colour when stdout is not a terminal', async () => {
    const result = await tools(['--policy', examplePolicy]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^TOOL +SERVER HINTS +POLICY$/);
    expect(lines.slice(1, 59).map((line) => line.split(' ')[0])).toEqual(expectations.map(([name]) => name));
    expect(result.stdout).toMatch(/\ndelete_playlist +writes, destructive, open-world +ask: a person approves each call \(120 s to answer\); at most 30 calls per hour, counting only calls that succeed, shared with 11 other tools/);
    expect(result.stdout).toMatch(/\nget_recently_added +read-only, open-world +allowed · checks arguments limit · timeout 60 s\n/);
    expect(result.stdout).toMatch(/\ntrakt_complete_auth +writes, additive, open-world +limited: at most 5 calls per hour \(0 of 5 used\) · timeout 30 s · redacts answers \(3 rules\)\n/);
    expect(result.stdout).toMatch(/\ntrakt_authenticate +writes, additive, open-world +limited: at most 10 calls per minute \(0 of 10 used\) · timeout 30 s\n/);
    expect(result.stdout).toContain('58 tools: 31 allowed, 26 limited, 1 asked, 0 denied (visible), 0 hidden.\n');
    expect(result.stdout).toContain('Every allowed call also counts toward: at most 60 calls per minute for all tools (0 of 60 used).\n');
    expect(result.stdout).not.toContain('\u001b[');
    // The server's own stderr is passed through; nothing else is said there.
    expect(result.stderr).toBe('plex stand-in running on stdio');
  });

  test('only initializes and lists tools: it never calls one', async () => {
    const record = join(dir, 'received.jsonl');
    const result = await tools(['--policy', examplePolicy], ['node', standin], envWith({ RECORD_FILE: record }));
    expect(result.exitCode).toBe(0);
    const methods = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { method?: string }).method);
    expect(methods).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
  });
});

describe('policy-wrap tools: which policy', () => {
  const policy = { version: '1', default: 'deny', tools: { get_libraries: {} } };
  const allowed = (rows: ToolRow[]) => rows.filter((row) => row.decision === 'allowed').map((row) => row.name);

  test('$POLICY_WRAP_POLICY when there is no --policy, relative to the working directory', async () => {
    writeFileSync(join(dir, 'env.json'), JSON.stringify(policy));
    expect(allowed(await jsonRows([], envWith({ POLICY_WRAP_POLICY: 'env.json' })))).toEqual(['get_libraries']);
  });

  test('./policy.json when there is neither', async () => {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ ...policy, tools: { get_on_deck: {} } }));
    expect(allowed(await jsonRows([]))).toEqual(['get_on_deck']);
  });

  test('--policy wins over $POLICY_WRAP_POLICY', async () => {
    writeFileSync(join(dir, 'named.json'), JSON.stringify(policy));
    expect(allowed(await jsonRows(['--policy', 'named.json'], envWith({ POLICY_WRAP_POLICY: 'missing.json' })))).toEqual(['get_libraries']);
  });

  test('a policy default of allow with a hiding deny pattern', async () => {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ version: '1', default: 'allow', tools: { 'trakt_*': { action: 'deny' } } }));
    const rows = await jsonRows([]);
    expect(rows.filter((row) => row.hidden).map((row) => row.name)).toEqual(rows.map((row) => row.name).filter((name) => name.startsWith('trakt_')));
    expect(rows.find((row) => row.name === 'trakt_search')).toMatchObject({ decision: 'hidden', rule: '/tools/trakt_*' });
    expect(rows.filter((row) => row.decision === 'allowed')).toHaveLength(58 - 9);
  });
});

describe('policy-wrap tools: action "ask"', () => {
  const askPolicy = {
    version: '1',
    default: 'deny',
    tools: {
      delete_playlist: { action: 'ask', approval: { timeout: 60, remember: 'session' }, limits: [{ window: 'hour', max: 3 }], timeout: 30 },
      'trakt_*': { action: 'ask' },
      get_libraries: {},
    },
  };

  test('the JSON rows carry decision "ask" and the approval in seconds; limits and timeouts still shown', async () => {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(askPolicy));
    const rows = await jsonRows(['--state', 'memory']);
    expect(rows.find((row) => row.name === 'delete_playlist')).toMatchObject({
      decision: 'ask',
      rule: '/tools/delete_playlist',
      hidden: false,
      limits: [{ description: 'at most 3 calls per hour for delete_playlist', rule: '/tools/delete_playlist/limits/0', sharedWith: [], use: { used: 0, max: 3 } }],
      timeoutSeconds: 30,
      approval: { timeoutSeconds: 60, remember: 'session' },
    });
    const trakt = rows.filter((row) => row.name.startsWith('trakt_'));
    expect(trakt.length).toBeGreaterThan(0);
    for (const row of trakt) expect(row).toMatchObject({ decision: 'ask', rule: '/tools/trakt_*', approval: { timeoutSeconds: 120, remember: 'call' } });
    expect(rows.find((row) => row.name === 'get_libraries')).not.toHaveProperty('approval');
  });

  test('the table says "ask" and how a person approves; the summary counts asked tools', async () => {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(askPolicy));
    const result = await tools(['--state', 'memory']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /\ndelete_playlist +writes, destructive, open-world +ask: a person approves each call \(remembered for the session, same arguments; 60 s to answer\); at most 3 calls per hour \(0 of 3 used\) · timeout 30 s\n/,
    );
    expect(result.stdout).toMatch(/\ntrakt_search +[^\n]*ask: a person approves each call \(120 s to answer\)\n/);
    const asked = 1 + (result.stdout.match(/\ntrakt_\S+ /g) ?? []).length;
    expect(result.stdout).toContain(`58 tools: 1 allowed, 0 limited, ${asked} asked, 0 denied (visible), ${58 - 1 - asked} hidden.\n`);
    expect(result.stdout).toContain('Asked calls are checked and counted first: a person is asked only about a call that would otherwise go through.\n');
  });
});

describe('policy-wrap tools failures', () => {
  test('a policy with errors: every problem located on stderr, exit 2, the server never started', async () => {
    const record = join(dir, 'received.jsonl');
    writeFileSync(join(dir, 'bad.json'), '{\n  "version": "1",\n  "default": "maybe",\n  "tools": {"x": {"action": "block"}}\n}\n');
    const result = await tools(['--policy', 'bad.json'], ['node', standin], envWith({ RECORD_FILE: record }));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^bad\.json:3:14: policy\.[a-z-]+: /m);
    expect(result.stderr).toMatch(/^bad\.json:4:29: policy\.[a-z-]+: /m);
    expect(result.stderr).toContain('policy-wrap tools: bad.json cannot be used');
    expect(existsSync(record)).toBe(false);
  });

  test('no policy anywhere: exit 2, saying which file was looked for', async () => {
    const result = await tools([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^policy\.json:1:1: policy\.missing: /m);
  });

  test('a server that exits before answering: exit 1, its stderr passed through', async () => {
    const result = await tools(['--policy', examplePolicy], ['node', standin], envWith({}, { token: false }));
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('PLEX_TOKEN environment variable is required');
    expect(result.stderr).toContain('tools.server-failed');
  });

  test('a command that does not exist: exit 127', async () => {
    const result = await tools(['--policy', examplePolicy], ['policy-wrap-no-such-command']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('tools.command-not-found');
  });

  test('no server command: exit 2', async () => {
    const result = await tools(['--policy', examplePolicy], null);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('after --');
  });

  test.each([
    [['--format', 'yaml'], "argument 'yaml' is invalid"],
    [['--polcy', 'x'], "unknown option '--polcy'"],
    [['extra'], 'too many arguments'],
    [['--timeout', '0'], 'cli.bad-timeout'],
  ])('bad usage %j: exit 2', async (own, message) => {
    const result = await tools(['--policy', examplePolicy, ...own]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('--help: exit 0, usage on stdout', async () => {
    const result = await tools(['--help'], null);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('policy-wrap tools [--policy <file>] [--state <where>] [--grant <name>] [--format text|json] -- <command> [args...]');
  });
});

describe("each budget's current use, read from the store the wrapper counted in", () => {
  const fixture = join(root, 'tests/fixtures/servers/fixture-server.mjs');
  const policy = {
    version: '1',
    default: 'allow',
    limits: [{ window: 'hour', max: 100 }],
    tools: { echo: { limits: [{ window: 'minute', max: 2 }, { window: 'hour', max: 5, per: 'arguments.text' }] } },
  };
  const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' } } });
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

  beforeEach(async () => {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    // Two calls through the wrapper, counted in a SQLite file by the grant "alice".
    const wrapped = await execa('node', [cli, '--policy', 'policy.json', '--state', './counters.sqlite', '--grant', 'alice', '--no-watch', 'node', fixture], {
      cwd: dir,
      env: envWith(),
      extendEnv: false,
      input: [initialize, call(2), call(3)].map((message) => `${JSON.stringify(message)}\n`).join(''),
      reject: false,
    });
    expect(wrapped.exitCode).toBe(0);
  });

  test('the table says how much is used; a budget counted per argument value has no single figure', async () => {
    const result = await tools(['--policy', 'policy.json', '--state', './counters.sqlite', '--grant', 'alice'], ['node', fixture]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^echo +\(no hints\) +limited: at most 2 calls per minute \(2 of 2 used, room again in \d+ s\); at most 5 calls per hour, counted per distinct arguments\.text$/m);
    expect(result.stdout).toContain('Every allowed call also counts toward: at most 100 calls per hour for all tools (2 of 100 used).');
  });

  test('the JSON form carries used, max, windowMs and retryAfterMs; another grant has used nothing; nothing is counted', async () => {
    for (let round = 0; round < 2; round += 1) {
      const rows = parse(await tools(['--format', 'json', '--policy', 'policy.json', '--state', './counters.sqlite', '--grant', 'alice'], ['node', fixture]));
      const echo = rows.find((row) => row.name === 'echo') as ToolRow;
      expect(echo.limits.map((limit) => limit.use)).toEqual([{ used: 2, max: 2, windowMs: 60_000, retryAfterMs: expect.any(Number) }, null]);
      expect(echo.limits[0]?.use?.retryAfterMs).toBeGreaterThan(0);
    }
    const bob = parse(await tools(['--format', 'json', '--policy', 'policy.json', '--state', './counters.sqlite', '--grant', 'bob'], ['node', fixture]));
    expect(bob.find((row) => row.name === 'echo')?.limits[0]?.use).toEqual({ used: 0, max: 2, windowMs: 60_000, retryAfterMs: 0 });
  });

  test('a SQLite file that does not exist is read as empty and not created', async () => {
    const rows = parse(await tools(['--format', 'json', '--policy', 'policy.json', '--state', './none.sqlite'], ['node', fixture]));
    expect(rows.find((row) => row.name === 'echo')?.limits[0]?.use).toMatchObject({ used: 0, max: 2 });
    expect(existsSync(join(dir, 'none.sqlite'))).toBe(false);
  });

  test('a --state that is neither memory, a URL nor a path: exit 2 before the server starts', async () => {
    const result = await tools(['--policy', 'policy.json', '--state', 'memry'], ['node', fixture]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('memory');
    expect(existsSync(join(dir, 'memry'))).toBe(false);
  });
});
