import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { auditRecordsWhen } from '../support/audit-log.js';
import { cli, requireBuild, root, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const server = join(root, 'tests/fixtures/servers/rug-pull-server.mjs');
let cases = 0;

/** A fresh policy, state file, audit log and "mutated" marker per test. */
function setup(policy: unknown) {
  cases += 1;
  const dir = join(tmp.dir, `case-${cases}`);
  const policyFile = writePolicy(tmp.dir, policy, `policy-${cases}.json`);
  return { policyFile, state: `${dir}-state.sqlite`, audit: `${dir}-audit.jsonl`, env: { MUTATED_FILE: `${dir}-mutated` } };
}

function env(extra: Record<string, string>): Record<string, string> {
  const { POLICY_WRAP_STATE: _state, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

function pinCli(args: string[], extra: Record<string, string>) {
  return execa(process.execPath, [cli, 'pin', ...args, '--', process.execPath, server], { cwd: root, env: env(extra), extendEnv: false, reject: false });
}

let nextId = 1;
async function request(wrapper: RunningWrapper, method: string, params: Record<string, unknown> = {}) {
  const id = nextId++;
  wrapper.send({ jsonrpc: '2.0', id, method, params });
  return wrapper.stdout.response(id);
}

async function start(args: string[], extra: Record<string, string>): Promise<RunningWrapper> {
  const wrapper = startWrapper(args, [process.execPath, server], { env: env(extra) });
  await request(wrapper, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } });
  wrapper.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return wrapper;
}

async function names(wrapper: RunningWrapper): Promise<string[]> {
  const answer = await request(wrapper, 'tools/list');
  return (answer.result.tools as { name: string }[]).map((tool) => tool.name).sort();
}

async function call(wrapper: RunningWrapper, name: string, args: Record<string, unknown> = {}) {
  return request(wrapper, 'tools/call', { name, arguments: args });
}

async function stop(wrapper: RunningWrapper): Promise<void> {
  wrapper.child.stdin.end();
  await wrapper.exited;
}

/** Calls mutate and waits until the wrapper passes the server's list_changed on. */
async function rugPull(wrapper: RunningWrapper): Promise<void> {
  const before = wrapper.stdout.messages().filter((message) => message.method === 'notifications/tools/list_changed').length;
  expect((await call(wrapper, 'mutate')).result.content[0].text).toBe('mutated');
  await wrapper.stdout.find(() => wrapper.stdout.messages().filter((message) => message.method === 'notifications/tools/list_changed').length > before, 'list_changed');
}

/** The audit records once one has every field of `expected` (see auditRecordsWhen). */
function auditLinesWith(file: string, expected: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const matches = (line: Record<string, unknown>): boolean => Object.entries(expected).every(([key, value]) => JSON.stringify(line[key]) === JSON.stringify(value));
  return auditRecordsWhen(file, (records) => records.some(matches));
}

describe('"pin": "enforce"', () => {
  test('a changed tool is hidden and refused until `policy-wrap pin --accept` from another process', async () => {
    const { policyFile, state, audit, env: serverEnv } = setup({ version: '1', default: 'allow', pin: 'enforce' });
    const wrapper = await start(['--policy', policyFile, '--state', state, '--audit', audit], serverEnv);
    try {
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      expect((await call(wrapper, 'weather', { city: 'Oslo' })).result.content[0].text).toBe('weather in Oslo');

      // Nothing to accept yet: every tool matches its pin.
      const same = await pinCli(['--policy', policyFile, '--state', state], serverEnv);
      expect(same.exitCode).toBe(0);
      expect(same.stdout).toContain('all 3 tools match their pins');

      await rugPull(wrapper);
      expect(await names(wrapper)).toEqual(['mutate', 'stable']);
      const refused = await call(wrapper, 'weather', { city: 'Oslo' });
      expect(refused.result.isError).toBe(true);
      expect(refused.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'deny', cause: 'pin', rule: '/pin' });
      expect(refused.result.content[0].text).toContain('the server changed the description and input schema of weather since it was pinned');
      expect(refused.result.content[0].text).toContain('policy-wrap pin --policy');
      expect(wrapper.stderr()).toContain('changed the description and input schema of tool weather');
      expect(await auditLinesWith(audit, { event: 'tool-changed' })).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'tool-changed', tool: 'weather', pin: 'enforce', changed: ['description', 'input schema'] })]));
      expect(await auditLinesWith(audit, { decision: 'deny' })).toEqual(expect.arrayContaining([expect.objectContaining({ tool: 'weather', decision: 'deny', cause: 'pin' })]));

      // Shown, not accepted: exit 1 and the differences.
      const shown = await pinCli(['--policy', policyFile, '--state', state], serverEnv);
      expect(shown.exitCode).toBe(1);
      expect(shown.stdout).toContain('changed  weather (description, input schema;');
      expect(shown.stdout).toContain('-   "description": "Tells the weather.",');
      expect(shown.stdout).toMatch(/\+ {3}"description": "Tells the weather\. Before calling, read/);
      expect(shown.stdout).toContain('1 difference; 2 tools match their pins');
      expect(await names(wrapper)).toEqual(['mutate', 'stable']);

      const accepted = await pinCli(['--policy', policyFile, '--state', state, '--accept'], serverEnv);
      expect(accepted.exitCode).toBe(0);
      expect(accepted.stderr).toContain('accepted: the pins of 3 tools now match');

      // The running wrapper reads the pins again at the call of a changed tool.
      expect((await call(wrapper, 'weather', { city: 'Oslo' })).result.content[0].text).toBe('weather in Oslo');
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      expect((await pinCli(['--policy', policyFile, '--state', state], serverEnv)).exitCode).toBe(0);
    } finally {
      await stop(wrapper);
    }
  });

  test('pins outlive the wrapper: a restarted wrapper hides the tool changed since', async () => {
    const { policyFile, state, env: serverEnv } = setup({ version: '1', default: 'allow', pin: 'enforce' });
    const first = await start(['--policy', policyFile, '--state', state], serverEnv);
    expect(await names(first)).toEqual(['mutate', 'stable', 'weather']);
    await rugPull(first);
    await stop(first);

    const second = await start(['--policy', policyFile, '--state', state], serverEnv);
    try {
      expect(await names(second)).toEqual(['mutate', 'stable']);
      expect((await call(second, 'weather')).result._meta['policy-wrap/decision'].cause).toBe('pin');
    } finally {
      await stop(second);
    }
  });

  test('with --state memory the pins last the session', async () => {
    const { policyFile, env: serverEnv } = setup({ version: '1', default: 'allow', pin: 'enforce' });
    const wrapper = await start(['--policy', policyFile, '--state', 'memory'], serverEnv);
    try {
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      await rugPull(wrapper);
      expect(await names(wrapper)).toEqual(['mutate', 'stable']);
    } finally {
      await stop(wrapper);
    }
    const refused = await pinCli(['--policy', policyFile, '--state', 'memory'], serverEnv);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('pins in memory last one wrapper session');
  });
});

describe('"pin": "warn"', () => {
  test('a change is logged and audited, and the tool stays listed and callable', async () => {
    const { policyFile, state, audit, env: serverEnv } = setup({ version: '1', default: 'allow', pin: 'warn' });
    const wrapper = await start(['--policy', policyFile, '--state', state, '--audit', audit], serverEnv);
    try {
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      await rugPull(wrapper);
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      expect((await call(wrapper, 'weather', { city: 'Rome' })).result.content[0].text).toBe('weather in Rome');
      expect(wrapper.stderr()).toContain('changed the description and input schema of tool weather since it was pinned: still callable');
      const changes = (await auditLinesWith(audit, { event: 'tool-changed' })).filter((line) => line.event === 'tool-changed');
      expect(changes).toEqual([expect.objectContaining({ tool: 'weather', pin: 'warn', changed: ['description', 'input schema'] })]);
      expect(changes[0]?.digest).not.toEqual(changes[0]?.pinnedDigest);
    } finally {
      await stop(wrapper);
    }
  });
});

describe('"pin": "off" (the default)', () => {
  test('nothing is pinned: a change passes unnoticed', async () => {
    const { policyFile, state, env: serverEnv } = setup({ version: '1', default: 'allow' });
    const wrapper = await start(['--policy', policyFile, '--state', state], serverEnv);
    try {
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      await rugPull(wrapper);
      expect(await names(wrapper)).toEqual(['mutate', 'stable', 'weather']);
      expect(wrapper.stderr()).not.toContain('pinned');
    } finally {
      await stop(wrapper);
    }
  });
});

describe("PolicyLayer's documented shape", () => {
  test('hide and all_tools.limits load and behave as documented', async () => {
    const policy = JSON.parse(readFileSync(join(root, 'tests/fixtures/policies/valid/policylayer-shape.json'), 'utf8')) as unknown;
    const { policyFile, env: serverEnv } = setup(policy);
    const wrapper = await start(['--policy', policyFile, '--state', 'memory'], serverEnv);
    try {
      // "stable" and "mut*" are hidden, whatever the default.
      expect(await names(wrapper)).toEqual(['weather']);
      const hidden = await call(wrapper, 'stable');
      expect(hidden.error).toMatchObject({ message: 'Unknown tool: stable' });
      expect((await call(wrapper, 'weather', { city: 'a' })).result.content[0].text).toBe('weather in a');
      expect((await call(wrapper, 'weather', { city: 'b' })).result.content[0].text).toBe('weather in b');
      const limited = await call(wrapper, 'weather', { city: 'c' });
      expect(limited.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'limited', rule: '/all_tools/limits/0' });
    } finally {
      await stop(wrapper);
    }
  });

  test('"hide": ["*"] hides and denies every tool', async () => {
    const { policyFile, env: serverEnv } = setup({ version: '1', default: 'allow', hide: ['*'] });
    const wrapper = await start(['--policy', policyFile, '--state', 'memory'], serverEnv);
    try {
      expect(await names(wrapper)).toEqual([]);
      expect((await call(wrapper, 'weather')).error).toMatchObject({ message: 'Unknown tool: weather' });
    } finally {
      await stop(wrapper);
    }
  });
});
