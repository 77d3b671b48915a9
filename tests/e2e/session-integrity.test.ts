import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cli, everythingServer, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const initialize = { jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

describe('the policy file of a running session', () => {
  test('is not reloaded unless --watch is given: an edit loosening it changes nothing', async () => {
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'allow', tools: { echo: { action: 'deny', hide: false } } }, 'no-watch.json');
    const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory'], [process.execPath, fixtureServer]);
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
    writeFileSync(policyFile, JSON.stringify({ version: '1', default: 'allow' }));
    // Longer than the watcher's settling time, had it been watching.
    await new Promise((resolve) => setTimeout(resolve, 500));
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    expect((await wrapper.stdout.response(1)).result).toMatchObject({ isError: true });
    wrapper.child.stdin.end();
    await wrapper.exited;
    expect(wrapper.stderr()).not.toContain('reloaded');
  });

  let unsafe = 0;
  test.each([
    ['writable by its group', (file: string) => chmodSync(file, 0o664)],
    ['writable by others', (file: string) => chmodSync(file, 0o646)],
    ['owned by another user', (file: string) => chownSync(file, 1, 1)],
  ])('with --watch, a policy file %s stops start-up with a located line and exit 2', async (_name, loosen) => {
    unsafe += 1;
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'deny', tools: { echo: {} } }, `unsafe-${unsafe}.json`);
    loosen(policyFile);
    const wrapper = startWrapper(['--policy', policyFile, '--watch'], [process.execPath, fixtureServer]);
    expect((await wrapper.exited).code).toBe(2);
    expect(wrapper.stderr()).toMatch(new RegExp(`${policyFile}: policy.unsafe-to-watch: `));
    expect(wrapper.stderr().trim().split('\n')).toHaveLength(1);
  });

  test('with --watch, a folder writable by others stops start-up too', async () => {
    const folder = join(tmp.dir, 'shared-folder');
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    const policyFile = writePolicy(folder, { version: '1', default: 'deny', tools: { echo: {} } });
    const wrapper = startWrapper(['--policy', policyFile, '--watch'], [process.execPath, fixtureServer]);
    expect((await wrapper.exited).code).toBe(2);
    expect(wrapper.stderr()).toMatch(/its folder .* is writable by others/);
  });
});

describe("the server's environment", () => {
  test("holds the host's variables but none of policy-wrap's own (a Redis URL may carry a password)", async () => {
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'allow' }, 'env.json');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, '--policy', policyFile, '--state', 'memory', '--', process.execPath, everythingServer, 'stdio'],
      env: { ...getDefaultEnvironment(), POLICY_WRAP_STATE: 'redis://:hunter2@127.0.0.1:1', POLICY_WRAP_GRANT: 'alice', SERVER_SETTING: 'kept' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'env-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'get-env', arguments: {} });
      const text = JSON.stringify(result.content);
      expect(text).toContain('SERVER_SETTING');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('POLICY_WRAP_');
    } finally {
      await client.close();
    }
  });
});

describe('servers that misbehave on purpose', () => {
  const enforcing = { version: '1', default: 'allow', input_schema: 'enforce' };

  test('a tools/list that repeats its nextCursor forever: the call is answered, EOF ends the session', async () => {
    const policyFile = writePolicy(tmp.dir, enforcing, 'cursor.json');
    const record = join(tmp.dir, 'cursor.jsonl');
    const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory'], [process.execPath, fixtureServer], { env: { TOOLS_LIST_CURSOR: 'again', RECORD_FILE: record } });
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'not_listed', arguments: {} } });
    expect((await wrapper.stdout.response(1)).result).toMatchObject({ isError: true });
    wrapper.child.stdin.end();
    expect((await wrapper.exited).code).toBe(0);
    const lists = readFileSync(record, 'utf8').split('\n').filter((line) => line.includes('"tools/list"'));
    expect(lists).toHaveLength(2);
  });

  test("a tools/list never answered: the client cannot cancel the wrapper's request; the call is answered at the deadline; EOF ends the session", async () => {
    const policyFile = writePolicy(tmp.dir, enforcing, 'silent.json');
    const record = join(tmp.dir, 'silent.jsonl');
    const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory'], [process.execPath, fixtureServer], { env: { TOOLS_LIST_SILENT: '1', RECORD_FILE: record } });
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    let own: string | undefined;
    while (own === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const line = readFileSync(record, 'utf8').split('\n').find((text) => text.includes('"tools/list"'));
      own = line === undefined ? undefined : (JSON.parse(line) as { id: string }).id;
    }
    wrapper.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: own } });
    wrapper.child.stdin.end();
    const answer = await wrapper.stdout.response(1);
    expect(answer.result).toMatchObject({ isError: true });
    expect((await wrapper.exited).code).toBe(0);
    const cancels = readFileSync(record, 'utf8').split('\n').filter((line) => line.includes('notifications/cancelled'));
    // Only the wrapper's own cancellation, at its deadline; never the client's.
    expect(cancels.map((line) => JSON.parse(line).params.reason)).toEqual([expect.stringMatching(/^policy-wrap: no answer within 10 s/)]);
  }, 30_000);
});

describe("a rule's timeout and a task-augmented call", () => {
  test('bounds the task to its end: tasks/result gets the timeout refusal and the task is cancelled at the server', async () => {
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'deny', tools: { slow: { timeout: 1 } } }, 'task.json');
    const record = join(tmp.dir, 'task.jsonl');
    const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory'], [process.execPath, fixtureServer], { env: { RECORD_FILE: record } });
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
    wrapper.send({ jsonrpc: '2.0', id: 'call', method: 'tools/call', params: { name: 'slow', arguments: { ms: 4000 }, task: { ttl: 60000 } } });
    const created = await wrapper.stdout.response('call');
    const taskId = created.result.task.taskId as string;
    wrapper.send({ jsonrpc: '2.0', id: 'result', method: 'tasks/result', params: { taskId } });
    const answer = await wrapper.stdout.response('result');
    expect(answer.result).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Timed out: slow did not answer within 1 s/) }] });
    wrapper.send({ jsonrpc: '2.0', id: 'again', method: 'tasks/result', params: { taskId } });
    expect((await wrapper.stdout.response('again')).result).toMatchObject({ isError: true });
    wrapper.child.stdin.end();
    await wrapper.exited;
    const received = readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { method?: string; params?: { taskId?: string } });
    expect(received.filter((message) => message.method === 'tasks/cancel').map((message) => message.params?.taskId)).toEqual([taskId]);
    expect(received.filter((message) => message.method === 'tasks/result')).toHaveLength(1);
  }, 20_000);
});

describe('ids the wrapper owns', () => {
  test("a late answer to a timed-out call never reaches the client's next request under the same id", async () => {
    const policyFile = writePolicy(tmp.dir, { version: '1', default: 'allow', tools: { slow: { timeout: 0.3 } } }, 'ids.json');
    const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory'], [process.execPath, fixtureServer], { env: { IGNORE_CANCEL: '1' } });
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
    wrapper.send({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'slow', arguments: { ms: 600 } } });
    expect((await wrapper.stdout.response(0)).result).toMatchObject({ isError: true });
    // The same id again while the server still owes the first call's answer (it ignores cancellations).
    wrapper.send({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'slow', arguments: { ms: 250 } } });
    await new Promise((resolve) => setTimeout(resolve, 900));
    wrapper.send({ jsonrpc: '2.0', id: 'last', method: 'ping' });
    await wrapper.stdout.response('last');
    const answers = wrapper.stdout.messages().filter((message) => message.id === 0);
    // One timeout, then the second call's own answer; the first call's late answer reached nobody.
    expect(answers.map((answer) => answer.result.content[0].text)).toEqual([expect.stringMatching(/^Timed out/), 'slow {"ms":250}']);
    wrapper.child.stdin.end();
    await wrapper.exited;
    expect(wrapper.stderr()).toMatch(/dropped the server's answer to id \d+: no request with that id is waiting/);
  }, 20_000);
});
