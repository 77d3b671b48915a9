import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The stand-in that init (and the wrapper's tests) start in place of the real Plex MCP Server. */
const standin = fileURLToPath(new URL('../fixtures/servers/plex-standin.mjs', import.meta.url));

interface Reply {
  id: number | string;
  result?: { tools?: unknown[]; protocolVersion?: string; [key: string]: unknown };
  error?: { code: number; message: string };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plex-standin-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `lines`, closes stdin and returns the replies by id once the stand-in has exited. */
async function exchange(lines: string[], env: Record<string, string> = {}) {
  const result = await execa(process.execPath, [standin], {
    input: lines.map((line) => `${line}\n`).join(''),
    env: { PLEX_TOKEN: 'x', ...env },
    extendEnv: false,
    reject: false,
  });
  const replies = new Map<number | string, Reply>();
  for (const line of result.stdout.split('\n').filter((text) => text !== '')) {
    const reply = JSON.parse(line) as Reply;
    replies.set(reply.id, reply);
  }
  return { result, replies };
}

const request = (id: number, method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const call = (id: number, name: string, args: object = {}) => request(id, 'tools/call', { name, arguments: args });

describe('Plex stand-in', () => {
  test('lists the 58 tools even before initialize, without the fixture notes', async () => {
    const { replies } = await exchange([request(1, 'tools/list')]);
    const tools = replies.get(1)?.result?.tools as Array<{ name: string }>;
    expect(tools).toHaveLength(58);
    expect(tools[0]?.name).toBe('get_libraries');
    expect(replies.get(1)?.result).not.toHaveProperty('_meta');
  });

  test('echoes a known protocol version and answers 2025-11-25 to others', async () => {
    const { replies } = await exchange([
      request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } }),
      request(2, 'initialize', { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 't', version: '1' } }),
    ]);
    expect(replies.get(1)?.result).toEqual({
      protocolVersion: '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name: 'plex-mcp-server', version: '1.2.0' },
    });
    expect(replies.get(2)?.result?.protocolVersion).toBe('2025-11-25');
  });

  test('fails tool calls the way the real server does without Plex', async () => {
    const { replies } = await exchange([
      call(1, 'get_libraries'),
      call(2, 'delete_playlist', { playlistId: '1' }),
      call(3, 'sonarr_add_series', { tvdbId: 1, title: 't' }),
      call(4, 'no_such_tool'),
    ]);
    expect(replies.get(1)?.error).toEqual({ code: -32603, message: expect.stringContaining('Error executing get_libraries:') });
    expect(replies.get(2)?.error).toEqual({ code: -32600, message: expect.stringContaining('PLEX_ENABLE_MUTATIVE_OPS=true') });
    expect(replies.get(3)?.error?.code).toBe(-32603);
    expect(replies.get(4)?.error?.code).toBe(-32601);
  });

  test('lets gated write tools through to the missing backend when PLEX_ENABLE_MUTATIVE_OPS is exactly "true"', async () => {
    const enabled = await exchange([call(1, 'mark_watched', { ratingKey: '1' })], { PLEX_ENABLE_MUTATIVE_OPS: 'true' });
    expect(enabled.replies.get(1)?.error?.code).toBe(-32603);
    const almost = await exchange([call(1, 'mark_watched', { ratingKey: '1' })], { PLEX_ENABLE_MUTATIVE_OPS: 'TRUE' });
    expect(almost.replies.get(1)?.error?.code).toBe(-32600);
  });

  test('answers resources/list, prompts/list and logging/setLevel with -32601', async () => {
    const { replies } = await exchange([
      request(1, 'resources/list'),
      request(2, 'prompts/list'),
      request(3, 'logging/setLevel', { level: 'debug' }),
    ]);
    expect([1, 2, 3].map((id) => replies.get(id)?.error?.code)).toEqual([-32601, -32601, -32601]);
  });

  test('ignores malformed lines, batches and notifications, keeps answering, and records every line', async () => {
    const record = join(dir, 'received.jsonl');
    const lines = [
      'not json',
      JSON.stringify([JSON.parse(request(7, 'ping'))]),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      request(0, 'ping'),
    ];
    const { result, replies } = await exchange(lines, { RECORD_FILE: record });
    expect([...replies.keys()]).toEqual([0]);
    expect(replies.get(0)?.result).toEqual({});
    expect(result.exitCode).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe(lines.map((line) => `${line}\n`).join(''));
  });

  test('exits 1 at once, saying nothing on stdout, when PLEX_TOKEN is unset', async () => {
    const result = await execa(process.execPath, [standin], { input: `${request(1, 'tools/list')}\n`, env: {}, extendEnv: false, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('PLEX_TOKEN');
  });
});
