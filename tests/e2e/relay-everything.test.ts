import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { connectSdkClient, type SdkConnection } from '../support/sdk-client.js';
import { allowAll, cli, everythingServer, requireBuild, tempDir, writePolicy } from '../support/wrapper.js';

type Connection = SdkConnection;

/** A real SDK client with sampling, elicitation and roots, in front of `command`. */
function connect(command: string, args: string[]): Promise<Connection> {
  return connectSdkClient(command, args, 'policy-wrap-e2e');
}

const sampleCalls: [string, Record<string, unknown>][] = [
  ['echo', { message: 'hello through the wrapper' }],
  ['get-sum', { a: 2, b: 40 }],
  ['get-tiny-image', {}],
  ['get-structured-content', { location: 'New York' }],
  ['get-annotated-message', { messageType: 'error', includeImage: false }],
];

describe('policy-wrap in front of server-everything, with the SDK client', () => {
  const tmp = tempDir();
  let direct: Connection;
  let wrapped: Connection;

  beforeAll(async () => {
    requireBuild();
    const policy = writePolicy(tmp.dir, allowAll);
    direct = await connect(process.execPath, [everythingServer, 'stdio']);
    wrapped = await connect(process.execPath, [cli, '--policy', policy, '--', process.execPath, everythingServer, 'stdio']);
  });

  afterAll(async () => {
    await direct?.client.close();
    await wrapped?.client.close();
    tmp.remove();
  });

  test('initialize: the same server, capabilities and instructions', () => {
    expect(wrapped.client.getServerVersion()).toEqual(direct.client.getServerVersion());
    expect(wrapped.client.getServerCapabilities()).toEqual(direct.client.getServerCapabilities());
    expect(wrapped.client.getInstructions()).toEqual(direct.client.getInstructions());
  });

  test('tools/list, resources/list, resource templates and prompts/list are the same as direct', async () => {
    expect(await wrapped.client.listTools()).toEqual(await direct.client.listTools());
    expect(await wrapped.client.listResources()).toEqual(await direct.client.listResources());
    expect(await wrapped.client.listResourceTemplates()).toEqual(await direct.client.listResourceTemplates());
    expect(await wrapped.client.listPrompts()).toEqual(await direct.client.listPrompts());
  });

  test.each(sampleCalls)('tools/call %s gives the same result as direct', async (name, args) => {
    expect(await wrapped.client.callTool({ name, arguments: args })).toEqual(await direct.client.callTool({ name, arguments: args }));
  });

  test('a resource read and a prompt are the same as direct', async () => {
    const { resources } = await direct.client.listResources();
    const uri = resources[0]!.uri;
    expect(await wrapped.client.readResource({ uri })).toEqual(await direct.client.readResource({ uri }));
    const { prompts } = await direct.client.listPrompts();
    const simple = prompts.find((prompt) => (prompt.arguments ?? []).length === 0)!;
    expect(await wrapped.client.getPrompt({ name: simple.name })).toEqual(await direct.client.getPrompt({ name: simple.name }));
  });

  test('progress notifications of a long-running call arrive, in order, before the result', async () => {
    const progress: Progress[] = [];
    const seen = wrapped.received.length;
    const result = await wrapped.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (update) => progress.push(update) },
    );
    expect(result.content).toEqual([expect.objectContaining({ type: 'text', text: expect.stringContaining('completed') })]);
    // The SDK client runs notification handlers a microtask late, so a last notification that shares
    // a read with the result can miss onprogress; what reached the transport is the relay's doing.
    const arrived = wrapped.received
      .slice(seen)
      .filter((message) => message.method === 'notifications/progress' || !('method' in message))
      .map((message) => (message.method ? message.params.progress : 'result'));
    expect(arrived).toEqual([1, 2, 3, 'result']);
    expect(progress.map((update) => update.progress)).toEqual([1, 2, 3].slice(0, progress.length));
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  test('a sampling request from the server reaches the client, and its answer the server', async () => {
    const result = await wrapped.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'a haiku', maxTokens: 20 } });
    expect(wrapped.sampled).toEqual([expect.objectContaining({ maxTokens: 20 })]);
    expect(JSON.stringify(result.content)).toContain('sampled by the test client');
  });

  test('an elicitation request from the server reaches the client, and its answer the server', async () => {
    const result = await wrapped.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(wrapped.elicited).toHaveLength(1);
    expect(JSON.stringify(result.content)).toContain('Ada Lovelace');
  });

  test('roots/list from the server is answered by the client; its log notification arrives', async () => {
    const result = await wrapped.client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(JSON.stringify(result.content)).toContain('file:///srv/test-root');
    expect(wrapped.logs).toContainEqual(expect.objectContaining({ data: expect.stringContaining('Roots updated') }));
  });

  test('ping passes both ways', async () => {
    await expect(wrapped.client.ping()).resolves.toEqual({});
  });

  test('the wrapper said nothing about dropped or refused messages', () => {
    expect(wrapped.stderr()).not.toMatch(/policy-wrap: (dropped|refused)/);
  });
});
