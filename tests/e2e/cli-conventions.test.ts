import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { allowAll, cli, fixtureServer, requireBuild, root, tempDir, writePolicy } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const ansi = /\u001b\[/;
/** Counted calls, so that the SQLite file, which opens on first use, is created. */
const limited = { version: '1', default: 'deny', tools: { echo: { limits: [{ window: 'minute', max: 10 }] } } };
const echo = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } };

/** The environment without anything that decides colour or a policy, plus `extra`. */
function envWith(extra: Record<string, string> = {}): Record<string, string> {
  // CI runners set CI, which makes colour detection (supports-color) turn colour off even on a terminal.
  const { FORCE_COLOR: _force, NO_COLOR: _no, POLICY_WRAP_POLICY: _policy, CI: _ci, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, ...extra };
}

function run(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}) {
  return execa(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? root,
    env: options.env ?? envWith({ FORCE_COLOR: '0' }),
    extendEnv: false,
    reject: false,
    input: options.input ?? '',
  });
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } };
const lines = (...messages: unknown[]): string => messages.map((message) => `${JSON.stringify(message)}\n`).join('');
const responses = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the server command starts at the first argument that is not ours; -- is optional', () => {
  const policy = writePolicy(tmp.dir, allowAll, 'p.json');

  test('policy-wrap --policy p.json node fixture-server.mjs relays as with --', async () => {
    const input = lines(initialize, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const result = await run(['--policy', 'p.json', '--state', 'memory', 'node', fixtureServer], { cwd: tmp.dir, input });
    const answers = responses(result.stdout);
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(JSON.stringify(answers[1])).toContain('"echo"');
    expect(result.stderr).not.toMatch(/unknown option|usage:/);
  });

  test("options after the command are the server's, even ours (--policy, -V, --help, lint)", async () => {
    const script = join(tmp.dir, 'print-argv.mjs');
    writeFileSync(script, 'console.error("server argv " + JSON.stringify(process.argv.slice(2)));\n');
    const result = await run(['-p', policy, '--state=memory', 'node', script, '--policy', 'x', '-V', '--help', 'lint']);
    expect(result.stderr).toContain('server argv ["--policy","x","-V","--help","lint"]');
    expect(result.stdout).toBe('');
  });

  test('an option missing its value is a usage error, not a command', async () => {
    const result = await run(['--policy']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^policy-wrap: option '-p, --policy <file>' argument missing/);
  });
});

describe('--version and -V print package.json version on stdout, exit 0', () => {
  test.each([[[]], [['lint']], [['init']], [['tools']]])('policy-wrap %j', async (before) => {
    for (const flag of ['--version', '-V']) {
      const result = await run([...before, flag]);
      expect([result.exitCode, result.stdout, result.stderr]).toEqual([0, version, '']);
    }
  });
});

describe('--help and help [command]: stdout, exit 0', () => {
  test.each([
    [['--help'], 'policy-wrap [options] [--] <command> [args...]'],
    [['-h'], '--max-message-bytes'],
    [['help'], '--max-message-bytes'],
    [['lint', '--help'], 'Usage: policy-wrap lint'],
    [['help', 'lint'], 'Usage: policy-wrap lint'],
    [['help', 'init'], 'Usage: policy-wrap init'],
    [['help', 'tools'], 'Usage: policy-wrap tools'],
    [['init', '--help'], 'Usage: policy-wrap init'],
  ])('%j', async (args, text) => {
    const result = await run(args);
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain(text);
    expect(result.stdout).toContain('-V, --version');
  });

  test('help for a command that does not exist: exit 2 with a suggestion', async () => {
    const result = await run(['help', 'lnt']);
    expect([result.exitCode, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^policy-wrap help: no command "lnt" \(did you mean "lint"\?\)/);
  });
});

describe('colour follows FORCE_COLOR and NO_COLOR', () => {
  const bad = ['lint', 'tests/fixtures/policies/duplicate-key.json'];

  test.each([
    ['FORCE_COLOR=1 on a pipe', { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, false],
    ['nothing set, on a pipe', {}, false],
    ['NO_COLOR=1 with FORCE_COLOR=1: forcing wins', { NO_COLOR: '1', FORCE_COLOR: '1' }, true],
  ])('%s', async (_name, env, coloured) => {
    const result = await run(bad, { env: envWith(env) });
    expect(result.exitCode).toBe(1);
    expect(ansi.test(result.stderr)).toBe(coloured);
  });

  // On a terminal (a pty from util-linux `script`), where colour is on by default.
  // util-linux's script gives the CLI a real terminal; without it these tests fail, never skip.
  const requireScript = (): void => {
    if (spawnSync('script', ['--version']).status !== 0) throw new Error('these tests need util-linux `script` (Debian: bsdutils) to run the CLI on a terminal');
  };
  const onTerminal = (env: Record<string, string>) =>
    execa('script', ['-qec', [process.execPath, cli, ...bad].map((arg) => `'${arg}'`).join(' '), '/dev/null'], {
      cwd: root,
      env: envWith(env),
      extendEnv: false,
      reject: false,
      input: '',
    });
  test('on a terminal: colour by default, none with NO_COLOR', async () => {
    requireScript();
    expect((await onTerminal({})).stdout).toMatch(ansi);
    const plain = await onTerminal({ NO_COLOR: '1' });
    expect(plain.stdout).toContain('policy.duplicate-key');
    expect(plain.stdout).not.toMatch(ansi);
  });

  test('stdin on a terminal: one line saying the wrapper waits for an MCP client', async () => {
    requireScript();
    const policy = writePolicy(tmp.dir, { version: '1', default: 'deny' }, 'tty-policy.json');
    const command = [process.execPath, cli, '--policy', policy, '--state', 'memory', process.execPath, '-e', 'setTimeout(() => {}, 200)'];
    const result = await execa('script', ['-qec', command.map((arg) => `'${arg}'`).join(' '), '/dev/null'], {
      cwd: root,
      env: envWith({ NO_COLOR: '1' }),
      extendEnv: false,
      reject: false,
      input: '',
    });
    const said = result.stdout.split(/\r?\n/).filter((line) => line.includes('waiting for an MCP client'));
    expect(said).toEqual(['policy-wrap: waiting for an MCP client on stdin (this is a stdio server: run it from an MCP host, or pipe JSON-RPC in)']);
  });

  test('stdin not a terminal (an MCP host): no such line', async () => {
    const policy = writePolicy(tmp.dir, { version: '1', default: 'deny' }, 'pipe-policy.json');
    const result = await run(['--policy', policy, '--state', 'memory', process.execPath, '-e', 'setTimeout(() => {}, 100)']);
    expect(result.stderr).not.toContain('waiting for an MCP client');
  });
});

describe('~/ in --policy, --audit and --state is $HOME', () => {
  test('all three are read and written in the home directory', async () => {
    const home = tempDir();
    try {
      writePolicy(home.dir, limited, 'home-policy.json');
      const input = lines(initialize, echo);
      const result = await run(['--policy', '~/home-policy.json', '--audit', '~/audit.jsonl', '--state', '~/counters.sqlite', 'node', fixtureServer], {
        env: envWith({ FORCE_COLOR: '0', HOME: home.dir }),
        cwd: tmp.dir,
        input,
      });
      expect(responses(result.stdout).map((answer) => answer.id)).toEqual([1, 2]);
      expect(readFileSync(join(home.dir, 'audit.jsonl'), 'utf8')).toContain('echo');
      expect(existsSync(join(home.dir, 'counters.sqlite'))).toBe(true);
      expect(existsSync(join(tmp.dir, '~'))).toBe(false);
    } finally {
      home.remove();
    }
  });
});

describe('--state that is neither memory, a redis URL nor plainly a file: exit 2, a suggestion, no file', () => {
  test.each([
    [['--state', 'memry'], /^policy-wrap: state\.invalid-spec: --state "memry" [^\n]*did you mean "memory"\?/],
    [['--state', 'counters'], /^policy-wrap: state\.invalid-spec: --state "counters" [^\n]*\.\/counters/],
  ])('%j', async (state, message) => {
    const dir = tempDir();
    try {
      const policy = writePolicy(dir.dir, allowAll, 'policy.json');
      const result = await run(['--policy', policy, ...state, 'node', fixtureServer], { cwd: dir.dir, env: envWith({ FORCE_COLOR: '0', PID_FILE: join(dir.dir, 'pids') }) });
      expect([result.exitCode, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toMatch(message);
      expect(readdirSync(dir.dir)).toEqual(['policy.json']);
    } finally {
      dir.remove();
    }
  });

  test('POLICY_WRAP_STATE=memry too', async () => {
    const result = await run(['--policy', 'p.json', 'node', fixtureServer], { cwd: tmp.dir, env: envWith({ FORCE_COLOR: '0', POLICY_WRAP_STATE: 'memry' }) });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^policy-wrap: state\.invalid-spec: POLICY_WRAP_STATE="memry" [^\n]*did you mean "memory"\?/);
  });

  test.each([['./counters'], ['counters.sqlite'], ['counters.db']])('%s is a file', async (state) => {
    const dir = tempDir();
    try {
      const policy = writePolicy(dir.dir, limited, 'policy.json');
      const result = await run(['--policy', policy, '--state', state, 'node', fixtureServer], { cwd: dir.dir, input: lines(initialize, echo) });
      expect(result.stderr).not.toContain('state.invalid-spec');
      expect(responses(result.stdout).map((answer) => answer.id)).toEqual([1, 2]);
      expect(existsSync(join(dir.dir, state))).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
