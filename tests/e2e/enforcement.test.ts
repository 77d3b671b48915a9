import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Message } from '../support/lines.js';
import { cli, everythingServer, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
const started: RunningWrapper[] = [];
// A test that fails half-way must not leave its wrapper (and server) running.
afterEach(async () => {
  await Promise.all(started.splice(0).map((wrapper) => stop(wrapper)));
});
afterAll(() => tmp.remove());

let session = 0;

/** A wrapper on raw pipes in front of the recording fixture server, initialized. */
async function wrapped(policy: unknown, args: string[] = [], env: Record<string, string> = {}) {
  session += 1;
  const record = join(tmp.dir, `received-${session}.jsonl`);
  const policyFile = writePolicy(tmp.dir, policy, `policy-${session}.json`);
  const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory', ...args], [process.execPath, fixtureServer], { env: { RECORD_FILE: record, ...env } });
  started.push(wrapper);
  wrapper.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
  await wrapper.stdout.response('init');
  wrapper.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const received = (): Message[] => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Message) : []);
  const calls = (tool: string): Message[] => received().filter((message) => message.method === 'tools/call' && message.params?.name === tool);
  return { wrapper, policyFile, received, calls, stop: () => stop(wrapper) };
}

async function stop(wrapper: RunningWrapper): Promise<void> {
  wrapper.child.stdin.end();
  await wrapper.exited;
}

let nextId = 0;
async function callTool(wrapper: RunningWrapper, name: string, args: Record<string, unknown> = {}): Promise<Message> {
  nextId += 1;
  const id = `call-${nextId}`;
  wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  return wrapper.stdout.response(id);
}

/** A ping answered means every earlier line has been judged and, if forwarded, delivered. */
async function barrier(wrapper: RunningWrapper): Promise<void> {
  nextId += 1;
  const id = `barrier-${nextId}`;
  wrapper.send({ jsonrpc: '2.0', id, method: 'ping' });
  await wrapper.stdout.response(id);
}

const textOf = (response: Message): string => response.result.content.map((part: { text: string }) => part.text).join('');

describe('enforcement through the CLI', () => {
  test('the PolicyLayer example admits exactly 10 trakt_authenticate calls a minute; the 11th never reaches the server', async () => {
    const example = { version: '1', default: 'deny', tools: { trakt_authenticate: { limits: [{ counter: 'trakt_authenticate_rate', window: 'minute', max: 10, scope: 'grant' }] } } };
    const { wrapper, calls, stop } = await wrapped(example, [], { TOOLS: 'trakt_authenticate,trakt_complete_auth' });
    for (let i = 0; i < 10; i += 1) expect((await callTool(wrapper, 'trakt_authenticate')).result.isError).toBeUndefined();
    const eleventh = await callTool(wrapper, 'trakt_authenticate');
    expect(eleventh.result.isError).toBe(true);
    expect(textOf(eleventh)).toMatch(/^Rate limit: at most 10 calls per minute for trakt_authenticate; retry in \d+ s$/);
    expect(eleventh.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'limited', rule: '/tools/trakt_authenticate/limits/0', retryAfterMs: expect.any(Number) });
    const hidden = await callTool(wrapper, 'trakt_complete_auth');
    expect(hidden.error).toEqual({ code: -32602, message: 'Unknown tool: trakt_complete_auth' });
    await barrier(wrapper);
    expect(calls('trakt_authenticate')).toHaveLength(10);
    expect(calls('trakt_complete_auth')).toHaveLength(0);
    await stop();
  });

  test('an arguments schema refuses a bad call before the server sees it', async () => {
    const policy = { version: '1', default: 'deny', tools: { echo: { arguments: { type: 'object', properties: { text: { type: 'string', maxLength: 5 } } } } } };
    const { wrapper, calls, stop } = await wrapped(policy);
    const refused = await callTool(wrapper, 'echo', { text: 'far too long' });
    expect(textOf(refused)).toBe('Invalid arguments for echo: /text must not have more than 5 characters');
    expect(refused.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'deny', cause: 'arguments', rule: '/tools/echo/arguments' });
    expect(textOf(await callTool(wrapper, 'echo', { text: 'short' }))).toBe('short');
    await barrier(wrapper);
    expect(calls('echo').map((message) => message.params.arguments.text)).toEqual(['short']);
    await stop();
  });

  test('a timeout answers the client, cancels the request at the server and drops the late answer', async () => {
    const policy = { version: '1', default: 'allow', tools: { never: { timeout: 0.5 } } };
    const { wrapper, received, stop } = await wrapped(policy);
    const timedOut = await callTool(wrapper, 'never');
    expect(timedOut.result.isError).toBe(true);
    expect(textOf(timedOut)).toMatch(/^Timed out: never did not answer within 0\.5 s/);
    await barrier(wrapper);
    const sent = received().find((message) => message.method === 'tools/call' && message.params.name === 'never');
    const cancelled = received().find((message) => message.method === 'notifications/cancelled');
    expect(cancelled?.params.requestId).toBe(sent?.id);
    await stop();
  });

  test('the retry of an input-required call (MCP 2026-07-28) is forwarded without being counted again', async () => {
    const policy = { version: '1', default: 'deny', tools: { needs_input: { limits: [{ window: 'hour', max: 1 }] } } };
    const { wrapper, calls, stop } = await wrapped(policy);
    const first = await callTool(wrapper, 'needs_input', { item: 7 });
    expect(first.result).toMatchObject({ resultType: 'incomplete', requestState: 'fixture-state' });
    nextId += 1;
    const retryId = `retry-${nextId}`;
    wrapper.send({ jsonrpc: '2.0', id: retryId, method: 'tools/call', params: { name: 'needs_input', arguments: { item: 7 }, inputResponses: { confirm: { action: 'accept', content: {} } }, requestState: 'fixture-state' } });
    expect(textOf(await wrapper.stdout.response(retryId))).toBe('done with {"confirm":{"action":"accept","content":{}}}');
    const fresh = await callTool(wrapper, 'needs_input', { item: 8 });
    expect(textOf(fresh)).toMatch(/^Rate limit: at most 1 call per hour for needs_input/);
    await barrier(wrapper);
    expect(calls('needs_input')).toHaveLength(2);
    await stop();
  });

  test('monitor mode blocks nothing and audits every decision', async () => {
    const audit = join(tmp.dir, 'monitor-audit.jsonl');
    const policy = { version: '1', default: 'deny', tools: { echo: { limits: [{ window: 'minute', max: 1 }] } } };
    const { wrapper, calls, stop } = await wrapped(policy, ['--monitor', '--audit', audit]);
    nextId += 1;
    wrapper.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    expect((await wrapper.stdout.response('list')).result.tools.map((tool: { name: string }) => tool.name)).toContain('denied_tool');
    expect(textOf(await callTool(wrapper, 'echo', { text: 'a' }))).toBe('a');
    expect(textOf(await callTool(wrapper, 'echo', { text: 'b' }))).toBe('b');
    expect(textOf(await callTool(wrapper, 'denied_tool'))).toBe('denied_tool {}');
    await stop();
    expect(calls('echo')).toHaveLength(2);
    const lines = readFileSync(audit, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Message);
    expect(lines.map((line) => [line.tool, line.decision, line.enforced, line.outcome])).toEqual([
      ['echo', 'allow', false, 'result'],
      ['echo', 'limited', false, 'result'],
      ['denied_tool', 'deny', false, 'result'],
    ]);
  });

  test('argument values never reach the audit log unless --audit-arguments is given', async () => {
    const secret = 'sk-live-do-not-log-4242';
    const policy = { version: '1', default: 'allow', tools: { denied_tool: { action: 'deny', hide: false } } };
    const quiet = join(tmp.dir, 'audit-quiet.jsonl');
    const first = await wrapped(policy, ['--audit', quiet, '--grant', 'alice']);
    await callTool(first.wrapper, 'echo', { text: secret, nested: { token: secret } });
    await callTool(first.wrapper, 'denied_tool', { token: secret });
    await first.stop();
    const log = readFileSync(quiet, 'utf8');
    expect(log).not.toContain(secret);
    const records = log.trim().split('\n').map((line) => JSON.parse(line) as Message);
    expect(records[0]).toMatchObject({ tool: 'echo', grant: 'alice', decision: 'allow', argumentKeys: ['nested', 'text'], argumentsDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), outcome: 'result', isError: false, latencyMs: expect.any(Number) });
    expect(records[1]).toMatchObject({ tool: 'denied_tool', decision: 'deny', enforced: true, argumentKeys: ['token'] });
    expect(records[0]).not.toHaveProperty('arguments');

    const loud = join(tmp.dir, 'audit-loud.jsonl');
    const second = await wrapped(policy, ['--audit', loud, '--audit-arguments']);
    await callTool(second.wrapper, 'echo', { text: secret });
    await second.stop();
    expect(JSON.parse(readFileSync(loud, 'utf8').trim()).arguments).toEqual({ text: secret });
  });

  test('a reload during traffic takes effect for the next call and loses no message; a broken edit is rejected', async () => {
    const allowEcho = { version: '1', default: 'allow' };
    const { wrapper, policyFile, calls, stop } = await wrapped(allowEcho, ['--watch']);
    const ids: string[] = [];
    const sendEcho = (): void => {
      nextId += 1;
      const id = `stream-${nextId}`;
      ids.push(id);
      wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: id } } });
    };
    for (let i = 0; i < 50; i += 1) sendEcho();
    writeFileSync(policyFile, JSON.stringify({ version: '1', default: 'allow', tools: { echo: { action: 'deny', hide: false, reason: 'switched off' } } }));
    for (let i = 0; i < 50; i += 1) sendEcho();
    await waitFor(() => wrapper.stderr().includes('policy reloaded'));
    const afterReload = await callTool(wrapper, 'echo', { text: 'late' });
    expect(textOf(afterReload)).toBe('Denied by policy: switched off');

    writeFileSync(policyFile, '{ "version": "1", "default": ');
    await waitFor(() => wrapper.stderr().includes('was rejected'));
    expect(wrapper.stderr()).toMatch(/policy\.syntax/);
    expect(textOf(await callTool(wrapper, 'echo', { text: 'still denied' }))).toBe('Denied by policy: switched off');

    const answers = await Promise.all(ids.map((id) => wrapper.stdout.response(id)));
    for (const [index, answer] of answers.entries()) {
      const text = textOf(answer);
      expect(text === ids[index] || text === 'Denied by policy: switched off').toBe(true);
    }
    const answeredIds = wrapper.stdout.messages().filter((message) => typeof message.id === 'string' && message.id.startsWith('stream-')).map((message) => message.id);
    expect(answeredIds.sort()).toEqual([...ids].sort());
    const forwarded = calls('echo').map((message) => message.params.arguments.text);
    const refusedCount = answers.filter((answer) => answer.result.isError === true).length;
    expect(forwarded.filter((text: string) => text.startsWith('stream-'))).toHaveLength(ids.length - refusedCount);
    await stop();
  });
});

/** The SDK's client and stdio transport, for server-everything behind the built CLI (not yet connected). */
function everythingThroughWrapper(policyFile: string, args: string[] = []): { client: Client; transport: StdioClientTransport } {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, '--policy', policyFile, '--state', 'memory', ...args, '--', process.execPath, everythingServer, 'stdio'],
    env: getDefaultEnvironment(),
    stderr: 'pipe',
  });
  return { client: new Client({ name: 'enforcement-test', version: '1.0.0' }), transport };
}

describe('enforcement in front of server-everything, driven by the SDK client', () => {
  test('hidden tools are absent; input_schema refuses what the tool itself would reject', async () => {
    const policy = writePolicy(tmp.dir, { version: '1', default: 'deny', input_schema: 'enforce', tools: { echo: {}, 'get-*': { action: 'allow' }, 'get-env': { action: 'deny', reason: 'it shows secrets' } } }, 'everything.json');
    const { client, transport } = everythingThroughWrapper(policy);
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('echo');
      expect(names).toContain('get-sum');
      expect(names).not.toContain('get-env');
      expect(names).not.toContain('trigger-long-running-operation');
      const refused = await client.callTool({ name: 'get-sum', arguments: { a: 'one', b: 2 } });
      expect(refused.isError).toBe(true);
      expect(refused.content).toEqual([{ type: 'text', text: 'Invalid arguments for get-sum: /a must be a number' }]);
      const summed = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
      expect(JSON.stringify(summed.content)).toContain('3');
      await expect(client.callTool({ name: 'get-env', arguments: {} })).rejects.toThrow(/Unknown tool: get-env/);
    } finally {
      await client.close();
    }
  });
});

describe('a reload that hides a tool, seen by the SDK client', () => {
  test('the client is told its tool list changed, and the list it fetches again leaves the tool out', async () => {
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'allow' }, 'reload-hide.json');
    const { client, transport } = everythingThroughWrapper(policyFile, ['--watch']);
    let told = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      told += 1;
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('get-sum');
      // The server sends list_changed of its own as it sets up; only the wrapper's count here.
      const before = told;
      writeFileSync(policyFile, JSON.stringify({ version: '1', default: 'allow', tools: { 'get-sum': { action: 'deny', reason: 'switched off' } } }));
      await waitFor(() => stderr.includes('telling it to list them again'), 'the wrapper to tell the client');
      await waitFor(() => told > before, 'notifications/tools/list_changed');
      expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('get-sum');
      await expect(client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Unknown tool: get-sum/);
      // A change that hides nothing the client has seen says nothing.
      const said = stderr.length;
      writeFileSync(policyFile, JSON.stringify({ version: '1', default: 'allow', tools: { 'get-sum': { action: 'deny', reason: 'still off' } } }));
      await waitFor(() => stderr.slice(said).includes('policy reloaded'), 'the second reload');
      await barrierThrough(client);
      expect(stderr.slice(said)).not.toContain('telling it to list them again');
    } finally {
      await client.close();
    }
  });
});

/** A ping answered through the wrapper: what it wrote before has reached the client. */
async function barrierThrough(client: Client): Promise<void> {
  await client.ping();
}

async function waitFor(condition: () => boolean, what = 'a condition', limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
