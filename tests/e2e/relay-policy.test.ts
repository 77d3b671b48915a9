import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import { cli, fixtureServer, requireBuild, root, tempDir, writePolicy } from '../support/wrapper.js';

const denyPolicy = {
  version: '1',
  default: 'allow',
  tools: {
    denied_tool: { action: 'deny', hide: false, reason: 'it changes things' },
    hidden_tool: { action: 'deny' },
    allowed_tool: {},
  },
};

beforeAll(() => requireBuild());

describe('a deny rule', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  test('denied tools never reach the server; a hidden one is absent from tools/list and unknown, a visible one is refused with its reason', async () => {
    const policy = writePolicy(tmp.dir, denyPolicy);
    const record = join(tmp.dir, 'received.jsonl');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, '--policy', policy, '--', process.execPath, fixtureServer],
      env: { ...getDefaultEnvironment(), RECORD_FILE: record },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'deny-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['allowed_tool', 'denied_tool']));
      expect(tools.map((tool) => tool.name)).not.toContain('hidden_tool');

      const denied = await client.callTool({ name: 'denied_tool', arguments: { path: '/etc' } });
      expect(denied.isError).toBe(true);
      expect(denied.content).toEqual([{ type: 'text', text: 'Denied by policy: it changes things' }]);
      await expect(client.callTool({ name: 'hidden_tool', arguments: {} })).rejects.toThrow(/-32602.*Unknown tool: hidden_tool/);

      const allowed = await client.callTool({ name: 'allowed_tool', arguments: { n: 1 } });
      expect(allowed.content).toEqual([{ type: 'text', text: 'allowed_tool {"n":1}' }]);
    } finally {
      await client.close();
    }
    const received = readFileSync(record, 'utf8');
    expect(received).toContain('allowed_tool');
    expect(received).not.toContain('denied_tool');
    expect(received).not.toContain('hidden_tool');
  });
});

describe('a policy that cannot be used: nothing is spawned, one line on stderr, exit 2', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  async function run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
    const pidFile = join(tmp.dir, `pids-${Math.random().toString(36).slice(2)}`);
    const result = await execa(process.execPath, [cli, ...args, '--', process.execPath, fixtureServer], {
      cwd: options.cwd ?? root,
      env: { FORCE_COLOR: '0', POLICY_WRAP_POLICY: '', PID_FILE: pidFile, ...options.env },
      reject: false,
      input: '',
    });
    return { ...result, spawned: existsSync(pidFile) };
  }

  test('missing file', async () => {
    const missing = join(tmp.dir, 'nope.json');
    const result = await run(['--policy', missing]);
    expect([result.exitCode, result.stdout, result.spawned]).toEqual([2, '', false]);
    expect(result.stderr).toBe(`policy-wrap: ${missing}:1:1: policy.missing: no such policy file; pass --policy <file> or set POLICY_WRAP_POLICY`);
  });

  test('not JSON: the line and column are named', async () => {
    const policy = writePolicy(tmp.dir, '{\n  "version": "1",\n  "default": "allow",,\n}', 'broken.json');
    const result = await run(['-p', policy]);
    expect([result.exitCode, result.spawned]).toEqual([2, false]);
    expect(result.stderr).toMatch(new RegExp(`^policy-wrap: ${policy}:3:22: policy.syntax: `));
    expect(result.stderr.split('\n')).toHaveLength(1);
  });

  test.each([
    ['a bad default', { version: '1', default: 'maybe' }, /:3:14: policy\.schema: \/default must be one of "allow", "deny"/],
    ['an unknown action', { version: '1', default: 'deny', tools: { x: { action: 'block' } } }, /:6:17: policy\.schema: \/tools\/x\/action must be one of/],
    ['an unknown field', { version: '1', default: 'allow', tools: { x: { limit: [] } } }, /policy\.unknown-field: .*did you mean "limits"/],
    ['a bad pattern', { version: '1', default: 'allow', tools: { 'delete_[*': { action: 'deny' } } }, /policy\.bad-glob/],
    ['a wrong version', { version: 2, default: 'allow' }, /:2:14: policy\.schema: \/version must be "1"/],
  ])('invalid: %s', async (_name, document, message) => {
    const policy = writePolicy(tmp.dir, JSON.stringify(document, null, 2), 'invalid.json');
    const result = await run(['--policy', policy]);
    expect([result.exitCode, result.spawned]).toEqual([2, false]);
    expect(result.stderr).toMatch(new RegExp(`^policy-wrap: ${policy}:\\d+:\\d+: `));
    expect(result.stderr).toMatch(message);
  });

  test('without --policy: $POLICY_WRAP_POLICY, else ./policy.json in the working directory', async () => {
    const fromEnv = await run([], { env: { POLICY_WRAP_POLICY: join(tmp.dir, 'env-policy.json') } });
    expect(fromEnv.stderr).toContain(join(tmp.dir, 'env-policy.json'));
    const fromCwd = await run([], { cwd: tmp.dir });
    expect(fromCwd.stderr).toContain(join(tmp.dir, 'policy.json'));
    expect([fromEnv.exitCode, fromCwd.exitCode]).toEqual([2, 2]);
  });
});

describe('command line mistakes: usage on stderr, exit 2', () => {
  test.each([
    ['an unknown option', ['--frobnicate', '--', 'node', 'x.js']],
    ['no -- and no command', ['--policy', 'p.json']],
    ['-- without a command', ['--policy', 'p.json', '--']],
    ['a bad --max-message-bytes', ['--max-message-bytes', 'lots', '--', 'node', 'x.js']],
  ])('%s', async (_name, args) => {
    const result = await execa(process.execPath, [cli, ...args], { cwd: root, env: { FORCE_COLOR: '0' }, reject: false, input: '' });
    expect([result.exitCode, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^policy-wrap: /);
    expect(result.stderr).toMatch(/usage: policy-wrap \[options\] \[--\] <command> \[args\.\.\.\]/);
  });

  test('--help goes to stdout and exits 0', async () => {
    const result = await execa(process.execPath, [cli, '--help'], { cwd: root, reject: false, input: '' });
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/--max-message-bytes/);
  });
});
