import { join } from 'node:path';
import { requireBuild, root, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

const patternServer = join(root, 'tests/fixtures/servers/pattern-server.mjs');
const initialize = { jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const call = (id: number, name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

beforeAll(() => requireBuild());

describe('patterns the server advertises, under input_schema: "enforce"', () => {
  const tmp = tempDir();
  let wrapper: RunningWrapper;

  beforeAll(async () => {
    const policy = writePolicy(tmp.dir, { version: '1', default: 'allow', input_schema: 'enforce' });
    wrapper = startWrapper(['--policy', policy, '--state', 'memory'], [process.execPath, patternServer]);
    wrapper.send(initialize);
    await wrapper.stdout.response('init');
  });

  afterAll(async () => {
    wrapper.child.stdin.end();
    await wrapper.exited;
    tmp.remove();
  });

  test('^(a|aa)+$ against a 41-character argument is answered, and so is a ping sent right behind it', async () => {
    wrapper.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    await wrapper.stdout.response('list');
    const mismatch = { content: [{ type: 'text', text: 'Invalid arguments for greedy: /text must match pattern "^(a|aa)+$"' }], isError: true };

    wrapper.send(call(1, 'greedy', { text: `${'a'.repeat(40)}b` }));
    wrapper.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect((await wrapper.stdout.response(1)).result).toMatchObject(mismatch);
    expect((await wrapper.stdout.response(2)).result).toEqual({});

    wrapper.send(call(3, 'greedy', { text: 'a'.repeat(41) }));
    expect((await wrapper.stdout.response(3)).result).toEqual({ content: [{ type: 'text', text: `greedy {"text":"${'a'.repeat(41)}"}` }] });

    // A backtracking engine would not answer this one in the lifetime of the test run.
    wrapper.send(call(4, 'greedy', { text: `${'a'.repeat(5000)}b` }));
    wrapper.send({ jsonrpc: '2.0', id: 5, method: 'ping' });
    expect((await wrapper.stdout.response(4)).result).toMatchObject(mismatch);
    expect((await wrapper.stdout.response(5)).result).toEqual({});
  });

  test.each([
    ['twice', 10, { text: 'hey hey' }, `"^(\\\\w+) \\\\1$" uses a backreference`],
    ['ahead', 11, { path: '/tmp/x' }, `"^(?!/etc/)" uses a lookahead`],
  ])('%s: a pattern linear-time matching cannot run refuses the call, saying why', async (tool, id, args, why) => {
    wrapper.send(call(id, tool, args));
    const answer = await wrapper.stdout.response(id);
    expect(answer.result).toMatchObject({ isError: true });
    const text = (answer.result.content as Array<{ text: string }>).map((part) => part.text).join('\n');
    expect(text).toContain(`${tool} cannot be called: its inputSchema's pattern ${why}, which linear-time matching (RE2) cannot run`);
  });

  test('a schema the JSON Schema meta-schema rejects refuses the call, with what is wrong in it', async () => {
    wrapper.send(call(12, 'malformed', { n: 1 }));
    const answer = await wrapper.stdout.response(12);
    expect(answer.result).toMatchObject({ isError: true });
    const text = (answer.result.content as Array<{ text: string }>).map((part) => part.text).join('\n');
    expect(text).toContain('malformed cannot be called: its inputSchema does not compile (schema is invalid: data/properties/n/minimum must be number)');
  });
});
