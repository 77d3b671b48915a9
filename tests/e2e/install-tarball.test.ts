import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import { LineReader } from '../support/lines.js';
import { cli, everythingServer, fixtureServer, requireBuild, root, tempDir, writePolicy } from '../support/wrapper.js';

/*
 * What someone gets from `npm install --ignore-scripts` (pnpm's default): the packed tarball,
 * installed into an empty folder with no install script run, so better-sqlite3 (if npm installs the
 * optional dependency at all) has no native build. Policies without limits, and --state memory,
 * must still run; a policy that needs SQLite must say so in one line and exit 2. Needs the npm
 * registry (or npm's cache) for the package's dependencies; fails, with npm's words, without it.
 */

const tmp = tempDir();
afterAll(() => tmp.remove());

const app = join(tmp.dir, 'app');
const installedCli = join(app, 'node_modules/policy-wrap/bin/policy-wrap.js');
/** Where the default state file would go: inside the scratch folder, never the real home. */
const home = join(tmp.dir, 'home');
/** On Node with node:sqlite (22.13, 23.4 and later) the SQLite store needs nothing built. */
const builtinSqlite = process.getBuiltinModule?.('node:sqlite') !== undefined;

async function npm(args: string[], cwd: string): Promise<string> {
  const result = await execa('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, reject: false, timeout: 150_000 });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new Error(`npm ${args.join(' ')} failed (exit ${String(result.exitCode)}${result.timedOut ? ', timed out' : ''}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

beforeAll(async () => {
  requireBuild();
  // dist/ is packed as built: the `prepare` build is skipped, as is every install script below.
  const packed = await npm(['pack', '--ignore-scripts', '--pack-destination', tmp.dir], root);
  const tarball = join(tmp.dir, packed.trim().split('\n').pop() ?? '');
  if (!existsSync(tarball)) throw new Error(`npm pack wrote no ${tarball}: ${packed}`);
  mkdirSync(app);
  mkdirSync(home);
  await npm(['install', '--ignore-scripts', '--prefix', app, tarball], tmp.dir);
  if (!existsSync(installedCli)) throw new Error(`the installed package has no ${installedCli}`);
}, 240_000);

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } };
const echo = (id: number, text: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

/** The default store, not the suite's POLICY_WRAP_STATE=memory (tests/support/test-environment.cjs). */
function cliEnv(more: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_DATA_HOME: join(home, 'data'), ...more };
  delete env.POLICY_WRAP_STATE;
  return env;
}

/** The installed CLI in front of the fixture server; stdin carries `messages` and then ends. */
async function run(policy: unknown, args: string[], messages: unknown[]) {
  const policyFile = writePolicy(tmp.dir, policy, `policy-${Math.random().toString(36).slice(2)}.json`);
  const pidFile = join(tmp.dir, `pids-${Math.random().toString(36).slice(2)}`);
  const result = await execa(process.execPath, [installedCli, '--policy', policyFile, '--no-watch', ...args, '--', process.execPath, fixtureServer], {
    cwd: tmp.dir,
    env: cliEnv({ PID_FILE: pidFile }),
    extendEnv: false,
    input: messages.map((message) => `${JSON.stringify(message)}\n`).join(''),
    reject: false,
    timeout: 20_000,
  });
  const responses = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
  return { exitCode: result.exitCode, stderr: result.stderr, responses, spawned: existsSync(pidFile) };
}

const textOf = (response: Record<string, any> | undefined): unknown => response?.result?.content?.[0]?.text;

/** The installed CLI with `args`, no stdin. */
function installed(args: string[]) {
  return execa(process.execPath, [installedCli, ...args], { cwd: tmp.dir, env: cliEnv(), extendEnv: false, reject: false, stdin: 'ignore', timeout: 20_000 });
}

test('--version and --help of the installed CLI: on stdout, exit 0', async () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  for (const flag of ['--version', '-V']) {
    const result = await installed([flag]);
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: version, stderr: '' });
  }
  const help = await installed(['--help']);
  expect(help.exitCode).toBe(0);
  expect(help.stdout).toContain('Usage: policy-wrap [options] [--] <command> [args...]');
  expect(help.stderr).toBe('');
});

test('lint and explain run from the installed package', async () => {
  const policyFile = writePolicy(tmp.dir, { version: '1', default: 'deny', tools: { echo: { arguments: { properties: { message: { maxLength: 5 } } } } } }, 'lint-me.json');
  const lint = await installed(['lint', policyFile]);
  expect({ exitCode: lint.exitCode, stdout: lint.stdout }).toEqual({ exitCode: 0, stdout: expect.stringContaining('ok') });
  const broken = writePolicy(tmp.dir, { version: '1', default: 'maybe' }, 'broken.json');
  const bad = await installed(['lint', broken]);
  expect(bad.exitCode).toBe(1);
  expect(bad.stdout + bad.stderr).toMatch(/broken\.json:\d+:\d+: policy\./);

  const allowed = await installed(['explain', '--policy', policyFile, '--state', 'memory', 'echo', '{"message":"hi"}']);
  expect({ exitCode: allowed.exitCode, stdout: allowed.stdout }).toEqual({ exitCode: 0, stdout: expect.stringMatching(/^decision +allow/m) });
  const refused = await installed(['explain', '--policy', policyFile, '--state', 'memory', '--format', 'json', 'echo', '{"message":"too long"}']);
  expect(refused.exitCode).toBe(1);
  expect(JSON.parse(refused.stdout)).toMatchObject({ decision: 'deny', rule: '/tools/echo/arguments', violations: [expect.stringContaining('/message')] });
  const hidden = await installed(['explain', '--policy', policyFile, 'get-env']);
  expect({ exitCode: hidden.exitCode, stdout: hidden.stdout }).toEqual({ exitCode: 1, stdout: expect.stringMatching(/^decision +hidden/m) });
});

test('a limit-free policy in front of server-everything, its command given without --, driven by the SDK client', async () => {
  const policyFile = writePolicy(tmp.dir, { version: '1', default: 'deny', tools: { echo: {}, 'get-sum': {}, 'get-env': { action: 'deny', hide: false, reason: 'the environment holds secrets' } } }, 'everything.json');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [installedCli, '--policy', policyFile, '--no-watch', process.execPath, everythingServer, 'stdio'],
    env: cliEnv() as Record<string, string>,
    cwd: tmp.dir,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'install-tarball', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'get-env', 'get-sum']);
    expect(await client.callTool({ name: 'echo', arguments: { message: 'from the tarball' } })).toMatchObject({ content: [{ type: 'text', text: 'Echo: from the tarball' }] });
    const refused = await client.callTool({ name: 'get-env', arguments: {} });
    expect(refused).toMatchObject({ isError: true, _meta: { 'policy-wrap/decision': { decision: 'deny' } } });
    // Hidden by the default: answered as a name the server does not have.
    await expect(client.callTool({ name: 'get-annotated-message', arguments: {} })).rejects.toThrow(/Unknown tool/);
  } finally {
    await client.close();
  }
  expect(stderr).not.toMatch(/state\.|bindings|better-sqlite3/);
  expect(readdirSync(home, { recursive: true }).filter((name) => String(name).includes('sqlite'))).toEqual([]);
});

test('the installed package was installed without any build of better-sqlite3', () => {
  const module = join(app, 'node_modules/better-sqlite3');
  // npm may leave the optional dependency out; if it is there, its native part was never built.
  if (existsSync(module)) expect(existsSync(join(module, 'build'))).toBe(false);
});

test('a policy without limits runs: initialize and a tool call are answered, no state file is made', async () => {
  const policy = { version: '1', default: 'deny', tools: { echo: {} } };
  const result = await run(policy, [], [initialize, echo(2, 'hello')]);
  // stderr is in the comparison so that a failure shows what the wrapper said.
  expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: expect.not.stringMatching(/state\.|bindings|better-sqlite3/) });
  expect(result.responses.find((response) => response.id === 1)?.result?.serverInfo).toMatchObject({ name: 'fixture-server' });
  expect(textOf(result.responses.find((response) => response.id === 2))).toBe('hello');
  expect(readdirSync(home, { recursive: true }).filter((name) => String(name).includes('sqlite'))).toEqual([]);
});

test('--state memory counts limits without any native module', async () => {
  const policy = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 1 }] } } };
  const result = await run(policy, ['--state', 'memory'], [initialize, echo(2, 'first'), echo(3, 'second')]);
  expect(result.exitCode).toBe(0);
  expect(textOf(result.responses.find((response) => response.id === 2))).toBe('first');
  const second = result.responses.find((response) => response.id === 3);
  expect(second?.result?.isError).toBe(true);
  expect(second?.result?._meta?.['policy-wrap/decision']).toMatchObject({ decision: 'limited' });
});

const limited = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 10 }] } } };

if (builtinSqlite) {
  test('a policy with limits counts in SQLite through node:sqlite, nothing built', async () => {
    const result = await run(limited, ['--state', join(tmp.dir, 'counters.sqlite')], [initialize, echo(2, 'counted')]);
    expect(result.exitCode).toBe(0);
    expect(textOf(result.responses.find((response) => response.id === 2))).toBe('counted');
  });
} else {
  test('a policy with limits and no SQLite says so in one line with the fix, exit 2, no server started', async () => {
    const result = await run(limited, [], [initialize, echo(2, 'never')]);
    expect(result).toMatchObject({ exitCode: 2, responses: [], spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap: state\.unavailable: [^\n]+$/);
    expect(result.stderr).toContain('npm rebuild better-sqlite3');
    expect(result.stderr).toContain('--state memory');
  });
}

/** A wrapper started with --watch on a policy without limits, in a folder of its own. */
function watched(name: string, command: string, args: string[] = []) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { mode: 0o700 });
  const policyFile = writePolicy(dir, { version: '1', default: 'allow' });
  const child = spawn(process.execPath, [command, '--policy', policyFile, '--watch', ...args, '--', process.execPath, fixtureServer], { cwd: tmp.dir, env: cliEnv(), stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stdout = new LineReader(child.stdout);
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const said = async (pattern: RegExp) => {
    for (let waited = 0; !pattern.test(stderr); waited += 50) {
      if (waited > 10_000) throw new Error(`the wrapper never said ${String(pattern)}; it said: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const gainLimits = () => writePolicy(dir, { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 1 }] } } });
  return { child, stdout, send, said, exited, gainLimits, stderr: () => stderr };
}

test('with --watch, a reload that brings the first limits opens the store then, or is refused in one line', async () => {
  const { child, stdout, send, said, exited, gainLimits, stderr } = watched('watched', installedCli);
  try {
    send(initialize);
    await stdout.response(1);
    gainLimits();
    if (builtinSqlite) {
      await said(/policy reloaded from /);
      send(echo(2, 'first'));
      send(echo(3, 'second'));
      expect(textOf(await stdout.response(2))).toBe('first');
      expect((await stdout.response(3)).result?._meta?.['policy-wrap/decision']).toMatchObject({ decision: 'limited' });
    } else {
      await said(/has limits and no store can count them/);
      expect(stderr()).toMatch(/^policy-wrap: the changed policy \S+ has limits and no store can count them \(state\.unavailable: [^\n]*npm rebuild better-sqlite3[^\n]*\); the previous policy stays in force$/m);
      expect(stderr()).not.toContain('policy reloaded');
      // The previous policy, without limits, still decides: both calls go through.
      send(echo(2, 'first'));
      send(echo(3, 'second'));
      expect(textOf(await stdout.response(2))).toBe('first');
      expect(textOf(await stdout.response(3))).toBe('second');
    }
  } finally {
    child.stdin.end();
    expect(await exited).toBe(0);
  }
});

test('with SQLite available (this checkout, built), the store opens at that reload and not before', async () => {
  const state = join(tmp.dir, 'reload-counters.sqlite');
  const { child, stdout, send, said, exited, gainLimits } = watched('watched-here', cli, ['--state', state]);
  try {
    send(initialize);
    await stdout.response(1);
    expect(existsSync(state)).toBe(false);
    gainLimits();
    await said(/policy reloaded from /);
    expect(existsSync(state)).toBe(true);
    send(echo(2, 'first'));
    send(echo(3, 'second'));
    expect(textOf(await stdout.response(2))).toBe('first');
    expect((await stdout.response(3)).result?._meta?.['policy-wrap/decision']).toMatchObject({ decision: 'limited' });
  } finally {
    child.stdin.end();
    expect(await exited).toBe(0);
  }
});
