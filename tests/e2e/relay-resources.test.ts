import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { execa } from 'execa';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { auditRecordsWhen } from '../support/audit-log.js';
import { cli, everythingServer, requireBuild, tempDir, writePolicy } from '../support/wrapper.js';

const docs = 'demo://resource/static/document';

/** A deny-by-default policy that lists a few of server-everything's resources and prompts. */
const policy = {
  version: '1',
  default: 'deny',
  resources: {
    rules: {
      [`${docs}/architecture.md`]: {},
      [`${docs}/features.md`]: { action: 'deny', hide: false, reason: 'features are off limits' },
      'demo://resource/dynamic/text/*': { limits: [{ window: 'hour', max: 2 }] },
    },
  },
  prompts: {
    rules: {
      'simple-prompt': {},
      'args-prompt': { action: 'ask', arguments: { properties: { city: { enum: ['Paris', 'Lyon'] } } } },
    },
  },
};

interface Connection {
  client: Client;
  elicited: { message?: string }[];
  /** what the test client answers the next elicitation with */
  answer: 'accept' | 'decline';
}

async function connect(args: string[]): Promise<Connection> {
  const transport = new StdioClientTransport({ command: process.execPath, args, env: { ...getDefaultEnvironment(), FORCE_COLOR: '0' }, stderr: 'pipe' });
  const client = new Client({ name: 'policy-wrap-e2e', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  const connection: Connection = { client, elicited: [], answer: 'accept' };
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    connection.elicited.push(request.params as { message?: string });
    return { action: connection.answer, content: {} };
  });
  await client.connect(transport);
  return connection;
}

/** The JSON-RPC error a request ends with. */
async function failure(request: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  try {
    await request;
  } catch (error) {
    if (error instanceof McpError) return { code: error.code, message: error.message, data: error.data };
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('resources, prompts and completion through policy-wrap, in front of server-everything', () => {
  const tmp = tempDir();
  const audit = join(tmp.dir, 'audit.jsonl');
  let direct: Connection;
  let wrapped: Connection;

  beforeAll(async () => {
    requireBuild();
    const file = writePolicy(tmp.dir, policy);
    direct = await connect([everythingServer, 'stdio']);
    wrapped = await connect([cli, '--policy', file, '--state', 'memory', '--audit', audit, '--', process.execPath, everythingServer, 'stdio']);
  });

  afterAll(async () => {
    await direct?.client.close();
    await wrapped?.client.close();
    tmp.remove();
  });

  test('"default": "deny" lists only the resources, templates and prompts the policy lists (a denied one with hide false stays)', async () => {
    const everything = (await direct.client.listResources()).resources.map((resource) => resource.uri);
    expect(everything.length).toBeGreaterThan(2);
    const resources = (await wrapped.client.listResources()).resources.map((resource) => resource.uri);
    expect(resources.sort()).toEqual([`${docs}/architecture.md`, `${docs}/features.md`]);
    const templates = (await wrapped.client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(['demo://resource/dynamic/text/{resourceId}']);
    const prompts = (await wrapped.client.listPrompts()).prompts.map((prompt) => prompt.name);
    expect(prompts).toEqual(['simple-prompt', 'args-prompt']);
  });

  test('a listed resource reads as it does without the wrapper', async () => {
    const uri = `${docs}/architecture.md`;
    expect(await wrapped.client.readResource({ uri })).toEqual(await direct.client.readResource({ uri }));
  });

  test('a hidden resource answers like one the server does not have: Resource not found', async () => {
    const uri = `${docs}/extension.md`;
    const error = await failure(wrapped.client.readResource({ uri }));
    expect(error.code).toBe(-32002);
    expect(error.data).toEqual({ uri });
    // Subscribing to it is refused the same way.
    expect((await failure(wrapped.client.subscribeResource({ uri }))).code).toBe(-32002);
  });

  test('a denied visible resource is refused with the reason and the decision in data', async () => {
    const error = await failure(wrapped.client.readResource({ uri: `${docs}/features.md` }));
    expect(error.code).toBe(-32003);
    expect(error.message).toContain('Denied by policy: features are off limits');
    expect(error.data).toEqual({ 'policy-wrap/decision': { decision: 'deny', cause: 'rule', rule: '/resources/rules/demo:~1~1resource~1static~1document~1features.md', reason: 'features are off limits' } });
  });

  test('limits count resources/read: the third read in the hour is limited', async () => {
    const read = (id: number) => wrapped.client.readResource({ uri: `demo://resource/dynamic/text/${id}` });
    expect((await read(1)).contents).toHaveLength(1);
    expect((await read(2)).contents).toHaveLength(1);
    const error = await failure(read(3));
    expect(error.code).toBe(-32003);
    expect(error.data).toMatchObject({ 'policy-wrap/decision': { decision: 'limited', cause: 'limit', rule: '/resources/rules/demo:~1~1resource~1dynamic~1text~1*/limits/0' } });
  });

  test('a listed prompt passes; a hidden one answers as unknown', async () => {
    expect(await wrapped.client.getPrompt({ name: 'simple-prompt' })).toEqual(await direct.client.getPrompt({ name: 'simple-prompt' }));
    const error = await failure(wrapped.client.getPrompt({ name: 'completable-prompt', arguments: { department: 'Engineering', name: 'Alice' } }));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('Unknown prompt: completable-prompt');
  });

  test('ask on a prompt: a person is asked through elicitation, and a decline refuses', async () => {
    const asked = wrapped.elicited.length;
    wrapped.answer = 'accept';
    const got = await wrapped.client.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris' } });
    expect(JSON.stringify(got.messages)).toContain('Paris');
    expect(wrapped.elicited).toHaveLength(asked + 1);
    expect(wrapped.elicited[asked]?.message).toContain('the prompt "args-prompt"');
    wrapped.answer = 'decline';
    const error = await failure(wrapped.client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lyon' } }));
    expect(error.code).toBe(-32003);
    expect(error.data).toMatchObject({ 'policy-wrap/decision': { decision: 'not-approved', cause: 'declined' } });
  });

  test('arguments outside the prompt rule\'s schema are refused before anyone is asked', async () => {
    const asked = wrapped.elicited.length;
    const error = await failure(wrapped.client.getPrompt({ name: 'args-prompt', arguments: { city: 'Rome' } }));
    expect(error.code).toBe(-32003);
    expect(error.data).toMatchObject({ 'policy-wrap/decision': { decision: 'deny', cause: 'arguments', rule: '/prompts/rules/args-prompt/arguments' } });
    expect(wrapped.elicited).toHaveLength(asked);
  });

  test('completion follows the rule of its ref: a hidden prompt is unknown, a listed template completes', async () => {
    const hidden = await failure(wrapped.client.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'E' } }));
    expect(hidden.code).toBe(-32602);
    const ref = { type: 'ref/resource' as const, uri: 'demo://resource/dynamic/text/{resourceId}' };
    const argument = { name: 'resourceId', value: '1' };
    expect(await wrapped.client.complete({ ref, argument })).toEqual(await direct.client.complete({ ref, argument }));
    const blob = await failure(wrapped.client.complete({ ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/blob/{resourceId}' }, argument }));
    expect(blob.code).toBe(-32002);
  });

  test('every judged request is audited with its method', async () => {
    await wrapped.client.readResource({ uri: `${docs}/architecture.md` });
    const records = await auditRecordsWhen(audit, (written) => written.some((record) => record.method === 'resources/read' && record.tool === `${docs}/architecture.md` && record.outcome !== undefined));
    const methods = new Set(records.map((record) => record.method));
    expect([...methods].sort()).toEqual(['completion/complete', 'prompts/get', 'resources/read', 'resources/subscribe']);
    expect(records).toContainEqual(expect.objectContaining({ method: 'resources/read', tool: `${docs}/extension.md`, decision: 'deny', cause: 'default', rule: '(default)' }));
    expect(records).toContainEqual(expect.objectContaining({ method: 'resources/read', tool: `${docs}/architecture.md`, decision: 'allow', outcome: 'result' }));
    expect(records).toContainEqual(expect.objectContaining({ method: 'prompts/get', tool: 'args-prompt', decision: 'allow', approval: expect.objectContaining({ via: 'elicitation' }) }));
  });
});

describe('policy-wrap explain --resource and --prompt', () => {
  const tmp = tempDir();
  let file: string;

  beforeAll(() => {
    requireBuild();
    file = writePolicy(tmp.dir, policy);
  });

  afterAll(() => tmp.remove());

  const explain = (args: string[]) => execa(process.execPath, [cli, 'explain', '--policy', file, '--state', 'memory', '--format', 'json', ...args], { reject: false });

  test('a resource read: its rule and the budget it would take', async () => {
    const run = await explain(['--resource', 'demo://resource/dynamic/text/1']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'resource', tool: 'demo://resource/dynamic/text/1', decision: 'allow', budgets: [{ max: 2, used: 0 }] });
  });

  test('a hidden resource and a prompt with arguments its rule refuses', async () => {
    const hidden = await explain(['--resource', `${docs}/extension.md`]);
    expect(hidden.exitCode).toBe(1);
    expect(JSON.parse(hidden.stdout)).toMatchObject({ kind: 'resource', decision: 'hidden', rule: '(default)' });
    const prompt = await explain(['--prompt', 'args-prompt', '{"city":"Rome"}']);
    expect(prompt.exitCode).toBe(1);
    expect(JSON.parse(prompt.stdout)).toMatchObject({ kind: 'prompt', decision: 'deny', rule: '/prompts/rules/args-prompt/arguments', violations: [expect.stringContaining('/city')] });
    expect(JSON.parse((await explain(['--prompt', 'args-prompt', '{"city":"Paris"}'])).stdout)).toMatchObject({ decision: 'ask' });
  });

  test('--resource takes no arguments', async () => {
    const run = await explain(['--resource', 'x://y', '{}']);
    expect(run.exitCode).toBe(2);
  });
});
