import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, fixtureServer, requireBuild, root, startWrapper, tempDir, writePolicy } from '../support/wrapper.js';
import { echo, receivedCalls, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const tenAMinute = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 10, scope: 'grant' }] } } };

describe('counts in a SQLite file outlive the wrapper', () => {
  // The jest timeout is no longer than the window, so the ten admissions are still in it when
  // the restarted wrapper is asked, however slowly the machine runs.
  test('ten calls admitted, a restart on the same file, and the eleventh is refused without reaching the server', async () => {
    const dir = join(tmp.dir, 'restart');
    mkdirSync(dir);
    const policy = writePolicy(dir, tenAMinute);
    const state = join(dir, 'state', 'counters.sqlite');
    const args = (grant: string) => ['--policy', policy, '--state', state, '--grant', grant, '--no-watch'];
    const command = [process.execPath, fixtureServer];

    const first = startWrapper(args('alice'), command, { env: { RECORD_FILE: join(dir, 'first.jsonl') } });
    for (let id = 0; id < 10; id += 1) {
      expect((await echo(first, id)).result).toEqual({ content: [{ type: 'text', text: String(id) }] });
    }
    await stop(first);
    expect(receivedCalls(join(dir, 'first.jsonl'))).toHaveLength(10);

    const second = startWrapper(args('alice'), command, { env: { RECORD_FILE: join(dir, 'second.jsonl') } });
    const other = startWrapper(args('bob'), command, { env: { RECORD_FILE: join(dir, 'other.jsonl') } });
    try {
      const refused = await echo(second, 10);
      expect(refused.result.isError).toBe(true);
      expect(refused.result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^Rate limit: at most 10 calls per minute for echo; retry in \d+ s$/) }]);
      expect(refused.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'limited', cause: 'limit', rule: '/tools/echo/limits/0' });
      // The same server still answers what the limit does not cover.
      second.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
      expect((await second.stdout.response('list')).result.tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'echo' })]));
      // Another grant has a budget of its own in the same file.
      expect((await echo(other, 0, 'bob0')).result).toEqual({ content: [{ type: 'text', text: 'bob0' }] });
    } finally {
      await stop(second);
      await stop(other);
    }
    const reached = readFileSync(join(dir, 'second.jsonl'), 'utf8');
    expect(reached).toContain('"tools/list"');
    expect(receivedCalls(join(dir, 'second.jsonl'))).toEqual([]);
    expect(receivedCalls(join(dir, 'other.jsonl'))).toHaveLength(1);
  }, 60_000);
});

describe('a --state that cannot be used stops start-up: exit 2, one line naming the code, nothing spawned', () => {
  const policy = writePolicy(tmp.dir, tenAMinute, 'startup-policy.json');
  let run = 0;

  async function start(args: string[], env: Record<string, string> = {}) {
    run += 1;
    const pidFile = join(tmp.dir, `startup-pids-${run}`);
    const result = await execa(process.execPath, [cli, '--policy', policy, ...args, '--', process.execPath, fixtureServer], {
      cwd: root,
      env: { FORCE_COLOR: '0', PID_FILE: pidFile, ...env },
      reject: false,
      input: '',
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, spawned: existsSync(pidFile) };
  }

  test('a path that is a directory', async () => {
    const folder = join(tmp.dir, 'a-folder');
    mkdirSync(folder);
    const result = await start(['--state', folder]);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap: state\.open-failed: [^\n]+$/);
    expect(result.stderr).toContain(folder);
  });

  test('a path under a file', async () => {
    const file = join(tmp.dir, 'plain-file');
    writeFileSync(file, 'not a directory\n');
    const result = await start(['--state', join(file, 'counters.sqlite')]);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap: state\.open-failed: [^\n]+$/);
  });

  test.each([
    ['--state ftp://x', ['--state', 'ftp://x'], {}, '"ftp://x"'],
    ['POLICY_WRAP_STATE=ftp://x', [], { POLICY_WRAP_STATE: 'ftp://x' }, '"ftp://x"'],
    ['a Redis URL without a host', ['--state', 'redis://'], {}, '"redis://"'],
    ['a Redis URL with a database name, its password hidden', ['--state', 'redis://:hunter2@cache/counters'], {}, '"redis://:***@cache/counters"'],
  ])('%s', async (_name, args, env, shown) => {
    const result = await start(args, env);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap: state\.invalid-spec: [^\n]+$/);
    expect(result.stderr).toContain(shown);
    expect(result.stderr).not.toContain('hunter2');
  });
});
