import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditRecordsWhen } from '../support/audit-log.js';
import { requireBuild, root, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

const tokenServer = join(root, 'tests/fixtures/servers/token-server.mjs');
const ACCESS = 'a'.repeat(64);
const REFRESH = 'b'.repeat(64);

const policy = {
  version: '1',
  default: 'allow',
  tools: {
    complete_auth: { redact: [{ detector: 'secret-members' }, { detector: 'bearer-tokens' }] },
    show_key: { redact: [{ detector: 'pem-private-keys', replace: '[private key]' }, { detector: 'bearer-tokens' }, { pattern: 'sk-live-[0-9a-f]+', replace: '[key]' }] },
    plain: { redact: [{ detector: 'secret-members' }, { pattern: 'secret-[0-9]+' }] },
    huge: { redact: [{ detector: 'secret-members' }] },
    huge_broken: { redact: [{ detector: 'secret-members' }] },
    fail_auth: { redact: [{ detector: 'secret-members' }, { detector: 'bearer-tokens' }] },
  },
};

describe('redact: a tool rule replaces secrets in the answer before the client sees it', () => {
  const tmp = tempDir();
  let wrapper: RunningWrapper;
  let audit: string;
  let nextId = 1;

  async function call(name: string, args: Record<string, unknown> = {}): Promise<{ line: string; message: Record<string, any> }> {
    const id = nextId++;
    wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
    const message = await wrapper.stdout.find((candidate) => candidate.id === id, `the answer to ${id}`);
    const line = wrapper.stdout.lines.find((text) => text.startsWith(`{"jsonrpc":"2.0","id":${id},`))!;
    return { line, message: message as Record<string, any> };
  }

  beforeAll(async () => {
    requireBuild();
    audit = join(tmp.dir, 'audit.jsonl');
    const file = writePolicy(tmp.dir, policy);
    wrapper = startWrapper(['--policy', file, '--state', 'memory', '--audit', audit], [process.execPath, tokenServer]);
    wrapper.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    await wrapper.stdout.find((message) => message.id === 0, 'the initialize answer');
    wrapper.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });

  afterAll(async () => {
    wrapper.child.stdin.end();
    await wrapper.exited;
    tmp.remove();
  });

  test('tokens in JSON text and in structuredContent are replaced; the rest stays', async () => {
    const { line, message } = await call('complete_auth');
    expect(line).not.toContain(ACCESS);
    expect(line).not.toContain(REFRESH);
    expect(line).not.toContain('c3VwZXJzZWNyZXQ');
    const text = JSON.parse(message.result.content[0].text);
    expect(text).toEqual({ success: true, access_token: '[redacted]', refresh_token: '[redacted]', token_type: '[redacted]', expires_in: 7776000, scope: 'public' });
    expect(message.result.structuredContent).toEqual({
      user: 'ada',
      auth: { access_token: '[redacted]', refresh_token: '[redacted]', token_type: '[redacted]', expires_in: 7776000, scope: 'public' },
      note: 'Authorization: Bearer [redacted]',
    });
  });

  test('a PEM private key, a bearer token and a pattern in text and an embedded resource; other items untouched', async () => {
    const { line, message } = await call('show_key');
    expect(line).not.toMatch(/MIIEowIBAAKCAQEAzzz|eyJhbGciOi|sk-live-0123/);
    expect(message.result.content).toEqual([
      { type: 'text', text: 'Here is the key:\n[private key]\nand the header Authorization: Bearer [redacted]' },
      { type: 'resource', resource: { uri: 'file:///secrets.env', mimeType: 'text/plain', text: 'API_KEY=[key]\nDEBUG=1' } },
      { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
    ]);
  });

  test('an answer with nothing to replace reaches the client byte for byte (1.50 and a 20-digit integer as written)', async () => {
    const { line } = await call('plain');
    expect(line).toContain('"structuredContent":{"count":1.50,"big":12345678901234567890}');
  });

  test('a huge answer is read whole and redacted', async () => {
    const { line, message } = await call('huge', { bytes: 3 * 1024 * 1024 });
    expect(line.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(line).not.toContain(REFRESH);
    expect(message.result.content[0].text.endsWith(' refresh_token=[redacted] end')).toBe(true);
  });

  test('a long answer that cannot be read is never forwarded: the client gets an error', async () => {
    const { line, message } = await call('huge_broken');
    expect(line).not.toContain('yyyyyyyy');
    expect(message.error).toEqual({ code: -32603, message: expect.stringMatching(/^policy-wrap: the server's answer to tools\/call could not be read to redact it/) });
  });

  test('an error answer is redacted too: its message and data', async () => {
    const { line, message } = await call('fail_auth');
    expect(line).not.toContain(ACCESS);
    expect(line).not.toContain(REFRESH);
    expect(message.error).toEqual({ code: -32603, message: 'Trakt refused: Authorization: Bearer [redacted]', data: { refresh_token: '[redacted]' } });
  });

  test('a task-augmented call of a tool with redact is refused: its result would not be redacted', async () => {
    const id = nextId++;
    wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'complete_auth', arguments: {}, task: { ttl: 60000 } } });
    const message = (await wrapper.stdout.find((candidate) => candidate.id === id, 'the refusal')) as Record<string, any>;
    expect(message.result.isError).toBe(true);
    expect(message.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'deny', cause: 'redact', rule: '/tools/complete_auth/redact' });
  });

  test('the audit log says how many were replaced, never the values', async () => {
    const tools = ['complete_auth', 'show_key', 'plain', 'huge', 'huge_broken', 'fail_auth'];
    const ended = (records: Record<string, any>[], tool: string): Record<string, any> | undefined => records.find((record) => record.tool === tool && record.outcome !== undefined);
    const records = await auditRecordsWhen(audit, (written) => tools.every((tool) => ended(written, tool) !== undefined));
    expect(readFileSync(audit, 'utf8')).not.toContain(ACCESS);
    const of = (tool: string): Record<string, any> | undefined => ended(records, tool);
    // access_token, refresh_token, token_type in the text; the same three in structuredContent; one bearer token.
    expect(of('complete_auth')).toMatchObject({ decision: 'allow', outcome: 'result', redacted: 7 });
    expect(of('show_key')).toMatchObject({ redacted: 3 });
    expect(of('plain')).toMatchObject({ redacted: 0 });
    expect(of('huge')).toMatchObject({ redacted: 1 });
    expect(of('huge_broken')).toMatchObject({ redactionError: expect.stringContaining('could not be read') });
    expect(of('fail_auth')).toMatchObject({ outcome: 'error', redacted: 2 });
  });
});
