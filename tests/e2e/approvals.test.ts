import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { testRedisUrl } from '../support/redis.js';
import { cli, requireBuild, root, startWrapper, tempDir, writePolicy } from '../support/wrapper.js';

/*
 * A rule with `action: "ask"`, end to end: the built CLI in front of a recording server (it writes
 * down every call that reaches it), driven by the SDK's Client. A client that declares elicitation
 * is asked through it; one that does not gets a code a person approves with `policy-wrap approve`
 * in a terminal (a pty from util-linux script(1)), from another process, through SQLite and Redis.
 */

const tmp = tempDir();
afterAll(() => tmp.remove());
const recordingServer = join(root, 'tests/fixtures/servers/readers/newline.mjs');
const me = userInfo().username;

beforeAll(() => {
  requireBuild();
  if (spawnSync('script', ['--version']).status !== 0) throw new Error('these tests need util-linux `script` (Debian: bsdutils) to approve on a terminal');
});

let serial = 0;
const fresh = (name: string): string => join(tmp.dir, `${name}-${++serial}`);
const policyFile = (policy: unknown): string => writePolicy(tmp.dir, policy, `policy-${++serial}.json`);

const askPolicy = (approval: Record<string, unknown> = {}) => ({
  version: '1',
  default: 'allow',
  tools: { echo: { action: 'ask', approval: { timeout: 30, ...approval }, limits: [{ window: 'minute', max: 5 }] }, denied_tool: { action: 'deny', hide: false } },
});

type Elicit = (params: { message: string; requestedSchema: unknown }) => Promise<ElicitResult>;

interface Session {
  client: Client;
  /** the calls that reached the server, in order */
  reached(): { name: string; arguments: unknown }[];
  /** the audit records, once there are at least `count` (each is written just after its call is answered) */
  audit(count?: number): Promise<Record<string, any>[]>;
  asked: string[];
  close(): Promise<void>;
}

/** The SDK client in front of the wrapper; with `elicit`, it declares elicitation and answers with it. */
async function connect(policy: unknown, options: { elicit?: Elicit; state?: string; grant?: string; extra?: string[] } = {}): Promise<Session> {
  const policyFile = writePolicy(tmp.dir, policy, `policy-${++serial}.json`);
  const record = fresh('record');
  const auditFile = fresh('audit');
  const args = [cli, '--policy', policyFile, '--no-watch', '--audit', auditFile, '--state', options.state ?? fresh('state.sqlite'), ...(options.grant ? ['--grant', options.grant] : []), ...(options.extra ?? [])];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...args, '--', process.execPath, recordingServer],
    env: { ...getDefaultEnvironment(), FORCE_COLOR: '0', RECORD_FILE: record },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'approvals-e2e', version: '1.0.0' }, { capabilities: options.elicit ? { elicitation: {} } : {} });
  const asked: string[] = [];
  if (options.elicit) {
    const elicit = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return elicit(request.params as { message: string; requestedSchema: unknown });
    });
  }
  await client.connect(transport);
  const lines = (file: string): Record<string, any>[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>) : []);
  return {
    client,
    asked,
    reached: () => lines(record).filter((message) => message.method === 'tools/call').map(({ name, arguments: args }) => ({ name, arguments: args })),
    audit: async (count = 1) => {
      for (let waited = 0; lines(auditFile).length < count; waited += 20) {
        if (waited > 5_000) throw new Error(`fewer than ${count} audit records after 5 s: ${JSON.stringify(lines(auditFile))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return lines(auditFile);
    },
    close: () => client.close(),
  };
}

const echo = (session: Session, text: string) => session.client.callTool({ name: 'echo', arguments: { text } }) as Promise<Record<string, any>>;
const decision = (result: Record<string, any>) => result._meta?.['policy-wrap/decision'];
const textOf = (result: Record<string, any>): string => result.content?.[0]?.text;

/** A person at a terminal answers `policy-wrap approve|deny <code>` with `answer`. */
async function atTerminal(command: 'approve' | 'deny', code: string, state: string, extra: string[] = [], answer = 'y') {
  const line = [process.execPath, cli, command, code, '--state', state, ...extra].map((arg) => `'${arg}'`).join(' ');
  return execa('script', ['-qec', line, '/dev/null'], { input: `${answer}\n`, env: { ...process.env, FORCE_COLOR: '0' }, reject: false, timeout: 20_000 });
}

describe('a client that can show a form is asked through it', () => {
  test('accept: the call reaches the server once approved, and the audit says how', async () => {
    const session = await connect(askPolicy(), { elicit: async () => ({ action: 'accept' }) });
    try {
      expect(textOf(await echo(session, 'hello'))).toBe('echo {"text":"hello"}');
      expect(session.reached()).toEqual([{ name: 'echo', arguments: { text: 'hello' } }]);
      expect(session.asked).toHaveLength(1);
      expect(session.asked[0]).toContain('"echo"');
      expect(session.asked[0]).toContain('"text": "hello"');
      expect(session.asked[0]).toContain('newline.mjs');
      const [allowed] = await session.audit();
      expect(allowed).toMatchObject({ tool: 'echo', decision: 'allow', approval: { via: 'elicitation', decidedAt: expect.any(String), waitedMs: expect.any(Number) }, outcome: 'result' });
    } finally {
      await session.close();
    }
  });

  test.each([
    ['decline', 'declined', 'Not approved: declined by the user'],
    ['cancel', 'cancelled', 'Not approved: the user dismissed the question'],
  ] as const)('%s: refused with a reason, never forwarded, nothing counted', async (action, cause, text) => {
    const session = await connect(askPolicy(), { elicit: async () => ({ action }) });
    try {
      for (let round = 0; round < 6; round += 1) {
        const result = await echo(session, 'no');
        expect(result.isError).toBe(true);
        expect(textOf(result)).toBe(text);
        expect(decision(result)).toMatchObject({ decision: 'not-approved', cause, rule: '/tools/echo' });
      }
      // Six refusals and a budget of five: refused ones were not counted.
      expect(session.asked).toHaveLength(6);
      expect(session.reached()).toEqual([]);
      expect((await session.audit())[0]).toMatchObject({ decision: 'not-approved', cause, approval: { via: 'elicitation' } });
    } finally {
      await session.close();
    }
  });

  test('no answer within approval.timeout: refused, and the client is told to stop asking', async () => {
    const session = await connect(askPolicy({ timeout: 1 }), { elicit: () => new Promise<ElicitResult>(() => undefined) });
    try {
      const result = await echo(session, 'late');
      expect(textOf(result)).toBe('Not approved: no answer within 1 s');
      expect(decision(result)).toMatchObject({ decision: 'not-approved', cause: 'timeout' });
      expect(session.reached()).toEqual([]);
    } finally {
      await session.close();
    }
  });

  test('while calls wait for a person, other messages flow, and each waiting call gets its own answer', async () => {
    const answers: ((result: ElicitResult) => void)[] = [];
    const session = await connect(askPolicy(), { elicit: () => new Promise<ElicitResult>((resolve) => answers.push(resolve)) });
    try {
      const first = echo(session, 'first');
      const second = echo(session, 'second');
      while (answers.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      // Both wait; the rest of the session goes on.
      expect((await session.client.listTools()).tools.map((tool) => tool.name)).toContain('echo');
      expect(textOf((await session.client.callTool({ name: 'allowed_tool', arguments: {} })) as Record<string, any>)).toBe('allowed_tool {}');
      await session.client.ping();
      answers[1]!({ action: 'accept' });
      expect(textOf(await second)).toBe('echo {"text":"second"}');
      answers[0]!({ action: 'decline' });
      expect(textOf(await first)).toBe('Not approved: declined by the user');
      expect(session.reached()).toEqual([
        { name: 'allowed_tool', arguments: {} },
        { name: 'echo', arguments: { text: 'second' } },
      ]);
    } finally {
      await session.close();
    }
  });

  test('remember "session": one approval covers the same call with the same arguments, not others', async () => {
    const session = await connect(askPolicy({ remember: 'session' }), { elicit: async () => ({ action: 'accept' }) });
    try {
      await echo(session, 'same');
      await echo(session, 'same');
      expect(session.asked).toHaveLength(1);
      await echo(session, 'other');
      expect(session.asked).toHaveLength(2);
      expect(session.reached()).toHaveLength(3);
      expect((await session.audit(3)).map((record) => record.approval?.via)).toEqual(['elicitation', 'remembered', 'elicitation']);
    } finally {
      await session.close();
    }
  });

  test('remember "call" (the default): every call is asked', async () => {
    const session = await connect(askPolicy(), { elicit: async () => ({ action: 'accept' }) });
    try {
      await echo(session, 'same');
      await echo(session, 'same');
      expect(session.asked).toHaveLength(2);
    } finally {
      await session.close();
    }
  });

  test('arguments and budgets are checked first: nobody is asked about a call refused anyway', async () => {
    const policy = { version: '1', default: 'allow', tools: { echo: { action: 'ask', arguments: { properties: { text: { maxLength: 3 } } }, limits: [{ window: 'minute', max: 1 }] } } };
    const session = await connect(policy, { elicit: async () => ({ action: 'accept' }) });
    try {
      expect(decision(await echo(session, 'too long'))).toMatchObject({ decision: 'deny', cause: 'arguments' });
      expect(textOf(await echo(session, 'ok'))).toBe('echo {"text":"ok"}');
      expect(decision(await echo(session, 'ok'))).toMatchObject({ decision: 'limited' });
      expect(session.asked).toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});

describe('a client without elicitation: approved from a terminal', () => {
  async function approvedFromTerminal(state: string, extra: string[] = []) {
    const session = await connect(askPolicy(), { state, extra });
    try {
      const first = await echo(session, 'from the terminal');
      const code = decision(first)?.approvalCode as string;
      expect(decision(first)).toMatchObject({ decision: 'approval-required', cause: 'approval', rule: '/tools/echo' });
      expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(textOf(first)).toMatch(new RegExp(`^This call needs your approval: run "policy-wrap approvals( --state \\S+)?" in a terminal and approve ${code}, then ask me to try again\\.$`));
      // Asking again before anyone answered gives the same code.
      expect(decision(await echo(session, 'from the terminal'))?.approvalCode).toBe(code);
      expect(session.reached()).toEqual([]);

      // Not from a pipe: an agent's shell cannot approve its own calls.
      const piped = await execa(process.execPath, [cli, 'approve', code, '--state', state, ...extra], { input: 'y\n', reject: false });
      expect(piped.exitCode).toBe(2);
      expect(decision(await echo(session, 'from the terminal'))?.decision).toBe('approval-required');

      // Answered "n" at first: it stays pending.
      expect((await atTerminal('approve', code, state, extra, 'n')).exitCode).toBe(1);
      expect(decision(await echo(session, 'from the terminal'))?.approvalCode).toBe(code);
      const approved = await atTerminal('approve', code, state, extra);
      expect(approved.exitCode).toBe(0);
      expect(textOf(await echo(session, 'from the terminal'))).toBe('echo {"text":"from the terminal"}');
      expect(session.reached()).toEqual([{ name: 'echo', arguments: { text: 'from the terminal' } }]);
      // One approval, one call: the next is asked again, with a new code.
      const again = await echo(session, 'from the terminal');
      expect(decision(again)).toMatchObject({ decision: 'approval-required' });
      expect(decision(again)?.approvalCode).not.toBe(code);
      const records = await session.audit(6);
      expect(records.find((record) => record.decision === 'allow')).toMatchObject({ approval: { via: 'cli', by: me, decidedAt: expect.any(String), waitedMs: expect.any(Number) } });
      expect(records[0]).toMatchObject({ decision: 'approval-required', approvalCode: code });
    } finally {
      await session.close();
    }
  }

  test('through the SQLite file of another process', async () => {
    await approvedFromTerminal(`${fresh('shared')}.sqlite`);
  });

  test('through Redis', async () => {
    await approvedFromTerminal(testRedisUrl(), ['--state-prefix', `approvals-e2e-${process.pid}-${Date.now()}:`]);
  });

  test('denied with policy-wrap deny: the next identical call is refused, saying so', async () => {
    const state = `${fresh('deny')}.sqlite`;
    const session = await connect(askPolicy(), { state });
    try {
      const code = decision(await echo(session, 'no'))?.approvalCode as string;
      const denied = await execa(process.execPath, [cli, 'deny', code, '--state', state], { reject: false });
      expect(denied.exitCode).toBe(0);
      const result = await echo(session, 'no');
      expect(textOf(result)).toBe(`Not approved: denied with policy-wrap deny by ${me}`);
      expect(decision(result)).toMatchObject({ decision: 'not-approved', cause: 'denied' });
      expect(session.reached()).toEqual([]);
    } finally {
      await session.close();
    }
  });

  test('an approval never crosses grants or arguments', async () => {
    const state = `${fresh('grants')}.sqlite`;
    const alice = await connect(askPolicy(), { state, grant: 'alice' });
    const bob = await connect(askPolicy(), { state, grant: 'bob' });
    try {
      const code = decision(await echo(alice, 'mine'))?.approvalCode as string;
      expect((await atTerminal('approve', code, state)).exitCode).toBe(0);
      expect(decision(await echo(bob, 'mine'))?.decision).toBe('approval-required');
      expect(decision(await echo(alice, 'other arguments'))?.decision).toBe('approval-required');
      expect(textOf(await echo(alice, 'mine'))).toBe('echo {"text":"mine"}');
      expect(bob.reached()).toEqual([]);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  test('state in memory and no elicitation: nobody can be asked, and the agent is told why', async () => {
    const session = await connect(askPolicy(), { state: 'memory' });
    try {
      const result = await echo(session, 'x');
      expect(decision(result)).toMatchObject({ decision: 'not-approved', cause: 'no-way-to-ask' });
      expect(textOf(result)).toContain('--state <file>');
      expect(session.reached()).toEqual([]);
    } finally {
      await session.close();
    }
  });
});

test('a client that declares elicitation in a session without server-to-client requests (2026-07-28) gets a code', async () => {
  const state = `${fresh('stateless')}.sqlite`;
  const wrapper = startWrapper(['--policy', policyFile(askPolicy()), '--no-watch', '--state', state], [process.execPath, recordingServer], { env: { PROTOCOL_VERSION: '2026-07-28' } });
  try {
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2026-07-28', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    await wrapper.stdout.response(1);
    wrapper.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const answer = await wrapper.stdout.response(2);
    expect(answer.result?._meta?.['policy-wrap/decision']).toMatchObject({ decision: 'approval-required' });
    expect(wrapper.stdout.messages().some((message) => message.method === 'elicitation/create')).toBe(false);
  } finally {
    wrapper.child.stdin.end();
    await wrapper.exited;
  }
});

test('the wrapper asks from its own id space: its elicitation never meets the server\'s requests, and its answer never reaches the server', async () => {
  const record = fresh('record');
  const wrapper = startWrapper(['--policy', policyFile(askPolicy()), '--no-watch', '--state', 'memory'], [process.execPath, recordingServer], { env: { RECORD_FILE: record } });
  try {
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: { form: {} } }, clientInfo: { name: 't', version: '1' } } });
    await wrapper.stdout.response(1);
    wrapper.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const asked = await wrapper.stdout.find((message) => message.method === 'elicitation/create');
    expect(asked.params).toMatchObject({ message: expect.stringContaining('"echo"'), requestedSchema: { type: 'object', properties: {} } });
    // An answer to an id nobody asked is dropped; the right one approves.
    wrapper.send({ jsonrpc: '2.0', id: 999, result: { action: 'accept' } });
    wrapper.send({ jsonrpc: '2.0', id: asked.id, result: { action: 'accept' } });
    expect((await wrapper.stdout.response(2)).result?.content?.[0]?.text).toBe('echo {"text":"x"}');
    const reached = readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    expect(reached.map((message) => message.method)).toEqual(['initialize', 'tools/call']);
  } finally {
    wrapper.child.stdin.end();
    await wrapper.exited;
  }
});

test('a call the agent cancels while a person is asked: the question is withdrawn, nothing forwarded', async () => {
  const record = fresh('record');
  const wrapper = startWrapper(['--policy', policyFile(askPolicy()), '--no-watch', '--state', 'memory'], [process.execPath, recordingServer], { env: { RECORD_FILE: record } });
  try {
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    await wrapper.stdout.response(1);
    wrapper.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const asked = await wrapper.stdout.find((message) => message.method === 'elicitation/create');
    wrapper.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'changed my mind' } });
    const withdrawn = await wrapper.stdout.find((message) => message.method === 'notifications/cancelled');
    expect(withdrawn.params).toMatchObject({ requestId: asked.id });
    wrapper.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    await wrapper.stdout.response(3);
    expect(wrapper.stdout.messages().some((message) => message.id === 2)).toBe(false);
    const reached = readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    expect(reached.map((message) => message.method)).toEqual(['initialize', 'ping']);
  } finally {
    wrapper.child.stdin.end();
    await wrapper.exited;
  }
});
