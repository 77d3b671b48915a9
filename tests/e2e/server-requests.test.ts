import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectSdkClient, type SdkConnection } from '../support/sdk-client.js';
import { cli, everythingServer, requireBuild, tempDir, writePolicy } from '../support/wrapper.js';

type Connection = SdkConnection;

/** The SDK client declaring sampling, elicitation and roots, through the wrapper, in front of server-everything. */
function connect(policy: string, audit: string): Promise<Connection> {
  return connectSdkClient(process.execPath, [cli, '--policy', policy, '--state', 'memory', '--audit', audit, '--', process.execPath, everythingServer, 'stdio'], 'server-requests-e2e');
}

function serverRequestRecords(audit: string): Record<string, any>[] {
  return readFileSync(audit, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, any>)
    .filter((record) => record.kind === 'server-request');
}

describe('server_requests: what server-everything asks of the client goes through the policy', () => {
  const tmp = tempDir();
  let connection: Connection | undefined;

  beforeAll(() => requireBuild());
  afterEach(async () => {
    await connection?.client.close();
    connection = undefined;
  });
  afterAll(() => tmp.remove());

  test('sampling denied, elicitation limited to one, roots denied: the client sees only what the policy lets through', async () => {
    const policy = writePolicy(tmp.dir, {
      version: '1',
      default: 'allow',
      server_requests: {
        sampling: { action: 'deny', reason: 'this server does not spend the user model' },
        elicitation: { limits: [{ window: 'hour', max: 1 }] },
        roots: { action: 'deny' },
      },
    }, 'deny-limit.json');
    const audit = join(tmp.dir, 'deny-limit.jsonl');
    connection = await connect(policy, audit);
    const c = connection;

    const sampled = await c.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'a haiku', maxTokens: 20 } });
    expect(c.sampled).toEqual([]);
    expect(JSON.stringify(sampled)).toContain('Denied by policy: this server does not spend the user model');

    const first = await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(first.content)).toContain('Ada Lovelace');
    const second = await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(c.elicited).toHaveLength(1);
    expect(JSON.stringify(second)).toContain('Rate limit: at most 1 request per hour for elicitation/create from the server');

    const roots = await c.client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(c.rooted).toBe(0);
    expect(JSON.stringify(roots)).not.toContain('file:///srv/test-root');
    // No refused request ever reached the client transport.
    expect(c.received.filter((message) => message.method === 'sampling/createMessage' || message.method === 'roots/list')).toEqual([]);

    await c.client.close();
    connection = undefined;
    const records = serverRequestRecords(audit);
    expect(records.filter((record) => record.method === 'sampling/createMessage')).toEqual([
      expect.objectContaining({ kind: 'server-request', decision: 'deny', enforced: true, rule: '/server_requests/sampling', cause: 'rule', reason: 'this server does not spend the user model' }),
    ]);
    expect(records.filter((record) => record.method === 'elicitation/create').map((record) => record.decision)).toEqual(['allow', 'limited']);
    expect(records.find((record) => record.decision === 'limited')).toMatchObject({ rule: '/server_requests/elicitation/limits/0', retryAfterMs: expect.any(Number), counters: [expect.objectContaining({ used: 1, max: 1 })] });
    // server-everything asks for roots once initialized, and again for get-roots-list: both refused.
    const rootRecords = records.filter((record) => record.method === 'roots/list');
    expect(rootRecords.length).toBeGreaterThanOrEqual(1);
    expect(rootRecords.every((record) => record.decision === 'deny' && record.rule === '/server_requests/roots')).toBe(true);
    expect(records.every((record) => record.tool === undefined && record.argumentKeys === undefined)).toBe(true);
  });

  test('without server_requests every request reaches the client, and each is audited as allowed by default', async () => {
    const policy = writePolicy(tmp.dir, { version: '1', default: 'deny', tools: { 'trigger-*': {}, 'get-roots-list': {} } }, 'absent.json');
    const audit = join(tmp.dir, 'absent.jsonl');
    connection = await connect(policy, audit);
    const c = connection;
    await c.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'a haiku', maxTokens: 20 } });
    await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    const roots = await c.client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(c.sampled).toHaveLength(1);
    expect(c.elicited).toHaveLength(1);
    expect(c.rooted).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(roots.content)).toContain('file:///srv/test-root');
    await c.client.close();
    connection = undefined;
    const records = serverRequestRecords(audit);
    expect(records.map((record) => record.method)).toEqual(expect.arrayContaining(['sampling/createMessage', 'elicitation/create', 'roots/list']));
    expect(records.every((record) => record.decision === 'allow' && record.rule === '(default)')).toBe(true);
  });

  test('monitor mode audits a denied request as not enforced and lets it reach the client', async () => {
    const policy = writePolicy(tmp.dir, { version: '1', default: 'allow', mode: 'monitor', server_requests: { sampling: { action: 'deny' } } }, 'monitor.json');
    const audit = join(tmp.dir, 'monitor.jsonl');
    connection = await connect(policy, audit);
    const c = connection;
    await c.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'a haiku', maxTokens: 20 } });
    expect(c.sampled).toHaveLength(1);
    await c.client.close();
    connection = undefined;
    expect(serverRequestRecords(audit).filter((record) => record.method === 'sampling/createMessage')).toEqual([
      expect.objectContaining({ decision: 'deny', enforced: false }),
    ]);
  });
});
