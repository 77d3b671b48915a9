import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Explanation } from '../../src/cli/explain.js';
import { cli, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy } from '../support/wrapper.js';
import { echo, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const policy = writePolicy(tmp.dir, {
  version: '1',
  default: 'deny',
  tools: {
    echo: { limits: [{ window: 'hour', max: 2 }] },
    search: { arguments: { type: 'object', properties: { limit: { type: 'integer', maximum: 10 } } } },
    wipe: { action: 'deny', hide: false, reason: 'wiping is never allowed' },
    per_session: { limits: [{ window: 'hour', max: 1, scope: 'session' }] },
    delete_playlist: {
      action: 'ask',
      approval: { timeout: 60, remember: 'session' },
      arguments: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      limits: [{ window: 'hour', max: 3 }],
    },
    never_room: { action: 'ask', limits: [{ window: 'hour', max: 0 }] },
  },
});

/** `policy-wrap explain <args>` with a clean environment. */
function explain(args: string[], env: Record<string, string> = {}) {
  const { POLICY_WRAP_POLICY: _policy, POLICY_WRAP_STATE: _state, POLICY_WRAP_GRANT: _grant, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return execa('node', [cli, 'explain', ...args], { cwd: tmp.dir, env: { ...base, FORCE_COLOR: '0', ...env }, extendEnv: false, reject: false });
}

async function explained(args: string[], expectedExit: number, env: Record<string, string> = {}): Promise<Explanation> {
  const result = await explain(['--format', 'json', '--policy', policy, ...args], env);
  if (result.exitCode !== expectedExit) throw new Error(`explain exited ${String(result.exitCode)}, expected ${expectedExit}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Explanation;
}

describe('policy-wrap explain', () => {
  test('an allowed call exits 0 and names its rule; text lines are aligned', async () => {
    const state = join(tmp.dir, 'never-created.sqlite');
    expect(await explained(['--state', state, 'search', '{"limit": 3}'], 0)).toEqual({
      tool: 'search',
      decision: 'allow',
      forwarded: true,
      rule: '/tools/search',
      reason: null,
      violations: [],
      budgets: [],
      approval: null,
      notes: [],
    });
    const text = await explain(['--policy', policy, '--state', state, 'echo']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'decision  allow',
      'tool      echo',
      'rule      /tools/echo',
      'budget    0/2  at most 2 calls per hour for echo (counter /tools/echo/limits/0, grant)',
    ]);
    // Reading is all it does: a state file that does not exist is not created.
    expect(existsSync(state)).toBe(false);
  });

  test('a denied call exits 1 with the rule pointer and reason', async () => {
    expect(await explained(['wipe'], 1)).toMatchObject({ decision: 'deny', forwarded: false, rule: '/tools/wipe', reason: 'wiping is never allowed', budgets: [] });
  });

  test('a tool the default denies is hidden: exit 1, rule (default)', async () => {
    expect(await explained(['unknown_tool'], 1)).toMatchObject({ decision: 'hidden', rule: '(default)', reason: 'unknown_tool is not allowed by the policy (default: deny)' });
  });

  test('argument violations are listed, with the pointer of the arguments schema', async () => {
    const result = await explained(['search', '{"limit": 500}'], 1);
    expect(result).toMatchObject({ decision: 'deny', rule: '/tools/search/arguments', violations: ['/limit must be <= 10'] });
    const text = await explain(['--policy', policy, 'search', '{"limit": 500}']);
    expect(text.stdout).toContain('violation  /limit must be <= 10');
  });

  test('session-scoped budgets read as a new session, with a note', async () => {
    const result = await explained(['--state', 'memory', 'per_session'], 0);
    expect(result.budgets).toEqual([expect.objectContaining({ scope: 'session', used: 0, max: 1, retryAfterMs: 0 })]);
    expect(result.notes).toEqual([expect.stringContaining('new session')]);
  });

  test('input_schema "enforce" cannot be checked without a server: a note, not a failure', async () => {
    const enforcing = writePolicy(tmp.dir, { version: '1', default: 'allow', input_schema: 'enforce' }, 'enforce.json');
    const result = await explain(['--format', 'json', '--policy', enforcing, 'anything']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decision: 'allow', notes: [expect.stringContaining('input_schema is "enforce"')] });
  });

  test('a budget used up by the real wrapper reads as limited, and explaining counts nothing', async () => {
    const state = join(tmp.dir, 'limited', 'counters.sqlite');
    const wrapper = startWrapper(['--policy', policy, '--state', state, '--grant', 'alice', '--no-watch'], [process.execPath, fixtureServer]);
    try {
      expect((await echo(wrapper, 1)).result).toEqual({ content: [{ type: 'text', text: '1' }] });
      expect((await echo(wrapper, 2)).result).toEqual({ content: [{ type: 'text', text: '2' }] });
    } finally {
      await stop(wrapper);
    }

    const first = await explained(['--state', state, 'echo', '{"text": "3"}'], 1, { POLICY_WRAP_GRANT: 'alice' });
    expect(first).toMatchObject({ decision: 'limited', forwarded: false, rule: '/tools/echo/limits/0', reason: expect.stringMatching(/^at most 2 calls per hour for echo; retry in \d+ s$/) });
    expect(first.budgets).toEqual([
      { counter: '/tools/echo/limits/0', rule: '/tools/echo/limits/0', scope: 'grant', description: 'at most 2 calls per hour for echo', used: 2, max: 2, windowMs: 3_600_000, retryAfterMs: expect.any(Number) },
    ]);
    expect(first.budgets[0]?.retryAfterMs).toBeGreaterThan(0);

    const second = await explained(['--state', state, '--grant', 'alice', 'echo'], 1);
    expect(second.budgets[0]).toMatchObject({ used: 2, max: 2 });
    // Another grant's budget is its own.
    expect((await explained(['--state', state, '--grant', 'bob', 'echo'], 0)).budgets[0]).toMatchObject({ used: 0 });
    const text = await explain(['--policy', policy, '--state', state, '--grant', 'alice', 'echo']);
    expect(text.stdout).toMatch(/^decision  limited \(refused\)\n/);
    expect(text.stdout).toMatch(/\nbudget    2\/2  at most 2 calls per hour for echo \(counter \/tools\/echo\/limits\/0, grant, retry in \d+ s\)$/);
  }, 30_000);

  test('an asked call exits 0 with decision "ask", not forwarded until a person approves, its approval and its budgets', async () => {
    expect(await explained(['--state', 'memory', 'delete_playlist', '{"id": 7}'], 0)).toEqual({
      tool: 'delete_playlist',
      decision: 'ask',
      forwarded: false,
      rule: '/tools/delete_playlist',
      reason: null,
      violations: [],
      budgets: [
        {
          counter: '/tools/delete_playlist/limits/0',
          rule: '/tools/delete_playlist/limits/0',
          scope: 'grant',
          description: 'at most 3 calls per hour for delete_playlist',
          used: 0,
          max: 3,
          windowMs: 3_600_000,
          retryAfterMs: 0,
        },
      ],
      approval: { timeoutSeconds: 60, remember: 'session' },
      notes: [],
    });
    const text = await explain(['--policy', policy, '--state', 'memory', 'delete_playlist', '{"id": 7}']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'decision  ask (forwarded once a person approves)',
      'tool      delete_playlist',
      'rule      /tools/delete_playlist',
      'approval  a person approves each call (remembered for the session, same arguments; 60 s to answer)',
      'budget    0/3  at most 3 calls per hour for delete_playlist (counter /tools/delete_playlist/limits/0, grant)',
    ]);
  });

  test('an asked call with bad arguments is denied, never asked: exit 1, no approval', async () => {
    expect(await explained(['--state', 'memory', 'delete_playlist', '{"id": "all"}'], 1)).toMatchObject({
      decision: 'deny',
      forwarded: false,
      rule: '/tools/delete_playlist/arguments',
      violations: [expect.stringMatching(/^\/id must be an? integer$/)],
      approval: null,
    });
  });

  test('an asked call over its budget is refused before anyone is asked: limited, exit 1, no approval', async () => {
    const result = await explained(['--state', 'memory', 'never_room'], 1);
    expect(result).toMatchObject({ decision: 'limited', forwarded: false, rule: '/tools/never_room/limits/0', approval: null });
    expect(result.reason).toMatch(/^at most 0 calls per hour for never_room; retry in \d+ s$/);
  });

  test('monitor mode: an asked call is forwarded without asking, with a note', async () => {
    const monitoring = writePolicy(tmp.dir, { version: '1', default: 'deny', mode: 'monitor', tools: { a: { action: 'ask' } } }, 'monitor-ask.json');
    const result = await explain(['--format', 'json', '--policy', monitoring, '--state', 'memory', 'a']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      decision: 'ask',
      forwarded: true,
      approval: { timeoutSeconds: 120, remember: 'call' },
      notes: [expect.stringContaining('monitor mode'), 'monitor mode: nobody is asked; the call is forwarded without approval'],
    });
  });

  test.each([
    ['not JSON', ['echo', '{text'], /arguments-json is not JSON/],
    ['not an object', ['echo', '[1]'], /arguments-json must be a JSON object/],
    ['no tool', [], /missing required argument 'tool'/],
    ['a server command', ['echo', '--', 'node', 'server.js'], /nothing goes after --/],
  ])('bad usage (%s) exits 2 with one line and the usage', async (_name, args, message) => {
    const result = await explain(['--policy', policy, ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  test('--help prints the usage on stdout, exit 0, and policy-wrap help explain says the same', async () => {
    const result = await explain(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: policy-wrap explain');
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('Exit codes: 0 the call would be forwarded, or asked about (decision "ask": forwarded once a person approves it; "forwarded" is false), 1 it would be refused');
    const help = await execa('node', [cli, 'help', 'explain'], { reject: false });
    expect(help.stdout).toBe(result.stdout);
  });
});
