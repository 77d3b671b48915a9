import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READERS, ReaderSession, violations, type Reader } from './readers.js';
import { requireBuild, root, startWrapper, tempDir } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const CR = '\r';
const call = (id: string, name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/**
 * Every route by which a line judged as one harmless message could carry a refused call to a
 * server that reads differently: [label, raw line (without its \n), ids the wrapper must answer].
 */
const ATTACKS: [string, string, string[]][] = [
  ['a call hidden behind bare \\r in a ping', `{"jsonrpc":"2.0","id":"a1","method":"ping","params":{"x":${CR}${call('S1', 'denied_tool')}${CR}}}`, ['a1']],
  ['the same in a notification', `{"jsonrpc":"2.0","method":"notifications/progress","params":{"x":${CR}${call('S2', 'hidden_tool')}${CR}}}`, []],
  ['the same in a response-shaped line', `{"jsonrpc":"2.0","id":"r1","result":{"x":${CR}${call('S3', 'denied_tool')}${CR}}}`, []],
  ['the same with \\r\\n', `{"jsonrpc":"2.0","id":"a4","method":"ping","params":{"x":${CR}\n${call('S4', 'denied_tool')}${CR}\n}}`, []],
  ['the same in an allowed call', `{"jsonrpc":"2.0","id":"a5","method":"tools/call","params":{"name":"allowed_tool","arguments":{"x":${CR}${call('S5', 'denied_tool')}${CR}}}}`, ['a5']],
  ['U+2028 and its kin inside strings', `{"jsonrpc":"2.0","id":"a6","method":"tools/call","params":{"name":"allowed_tool","arguments":{"t":"a\u2028b\u2029c\u0085d"}}}`, ['a6']],
  ['name and NAME', '{"jsonrpc":"2.0","id":"a7","method":"tools/call","params":{"name":"allowed_tool","NAME":"denied_tool"}}', ['a7']],
  ['method and Method', '{"jsonrpc":"2.0","id":"a8","method":"ping","Method":"tools/call","params":{"name":"denied_tool"}}', ['a8']],
  ['paramſ at the top level', '{"jsonrpc":"2.0","id":"a9","method":"tools/call","params":{"name":"allowed_tool"},"paramſ":{"name":"hidden_tool"}}', ['a9']],
  ['Kelvin sign in a member name', '{"jsonrpc":"2.0","id":"a10","method":"tools/call","params":{"name":"allowed_tool","\u212aey":1,"key":2}}', ['a10']],
  ['path and PATH in arguments', '{"jsonrpc":"2.0","id":"a11","method":"tools/call","params":{"name":"files","arguments":{"path":"/srv/public/a","PATH":"/etc/shadow"}}}', ['a11']],
  ['an integer beyond double precision', '{"jsonrpc":"2.0","id":"a12","method":"tools/call","params":{"name":"numbers","arguments":{"n":9007199254740993}}}', ['a12']],
  ['a number that overflows to Infinity', '{"jsonrpc":"2.0","id":"a13","method":"tools/call","params":{"name":"numbers","arguments":{"n":1e400}}}', ['a13']],
  ['arguments 100,000 levels deep', `{"jsonrpc":"2.0","id":"a14","method":"tools/call","params":{"name":"allowed_tool","arguments":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`, ['a14']],
  ['a huge numeric id', '{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"allowed_tool"}}', ['9007199254740993']],
  ...[1, 2, 3, 4].map((n): [string, string, string[]] => [`limited_tool call ${n}`, call(`l${n}`, 'limited_tool'), [`l${n}`]]),
  ['a limited call behind \\r', `{"jsonrpc":"2.0","id":"a15","method":"ping","params":{"x":${CR}${call('S6', 'limited_tool')}${CR}}}`, ['a15']],
];

describe.each(READERS)('behind the wrapper, a server reading like %s', (reader: Reader) => {
  const tmp = tempDir();
  let session: ReaderSession;

  beforeAll(async () => {
    session = new ReaderSession(reader, tmp.dir);
    await session.initialize();
    for (const [, line] of ATTACKS) session.wrapper.send(`${line}\n`);
    await session.barrier();
    await session.close();
  });
  afterAll(() => tmp.remove());

  test('never executes a denied, hidden, over-limit or out-of-bounds call by any route', () => {
    expect(violations(session.executedCalls())).toEqual([]);
    const ids = session.executed().map((message) => message.id);
    for (const smuggled of ['S1', 'S2', 'S3', 'S4', 'S5', 'S6']) expect(ids).not.toContain(smuggled);
  });

  test('executes exactly the calls the wrapper judged and allowed', () => {
    const allowed = session.audited().filter((record) => record.decision === 'allow');
    expect(session.executedCalls().map((message) => message.name).sort()).toEqual(allowed.map((record) => record.tool).sort());
    // The server sees ids of the wrapper's: the calls are known by what they carry.
    expect(session.executedCalls().map((message) => message.name)).toEqual(['allowed_tool', 'allowed_tool', 'limited_tool', 'limited_tool']);
    expect(session.executedCalls().every((message) => typeof message.id === 'number')).toBe(true);
  });

  test('every request is answered exactly once, numeric ids with their exact digits', () => {
    const counts = session.answerCounts();
    for (const [label, , answered] of ATTACKS) {
      for (const id of answered) {
        const count = /^\d+$/.test(id) ? rawCount(session, id) : (counts.get(JSON.stringify(id)) ?? 0);
        expect({ label, id, count }).toEqual({ label, id, count: 1 });
      }
    }
    // Lines cut in two by a raw \n are unreadable: answered with id null, as JSON-RPC says.
    expect([...counts].filter(([id, count]) => id !== 'null' && count !== 1)).toEqual([]);
  });
});

/** Resource reads and prompt fetches: the same routes, against the policy's resources and prompts. */
const read = (id: string, uri: string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } });
const prompt = (id: string, name: string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'prompts/get', params: { name } });
const REQUEST_ATTACKS: [string, string, string[]][] = [
  ['an allowed read', read('r1', 'file:///srv/public/a.txt'), ['r1']],
  ['uri and URI', '{"jsonrpc":"2.0","id":"r2","method":"resources/read","params":{"uri":"file:///srv/public/a.txt","URI":"file:///etc/shadow"}}', ['r2']],
  ['a hidden read behind \\r in a ping', `{"jsonrpc":"2.0","id":"r3","method":"ping","params":{"x":${CR}${read('S7', 'file:///etc/shadow')}${CR}}}`, ['r3']],
  ['an allowed prompt', prompt('r4', 'allowed_prompt'), ['r4']],
  ['name and NAME in prompts/get', '{"jsonrpc":"2.0","id":"r5","method":"prompts/get","params":{"name":"allowed_prompt","NAME":"secret_prompt"}}', ['r5']],
  ['a hidden prompt behind \\r in a notification', `{"jsonrpc":"2.0","method":"notifications/progress","params":{"x":${CR}${prompt('S8', 'secret_prompt')}${CR}}}`, []],
  ['a hidden read', read('r6', 'file:///etc/shadow'), ['r6']],
];

describe.each(READERS)('resources and prompts, behind the wrapper, a server reading like %s', (reader: Reader) => {
  const tmp = tempDir();
  let session: ReaderSession;

  beforeAll(async () => {
    session = new ReaderSession(reader, tmp.dir);
    await session.initialize();
    for (const [, line] of REQUEST_ATTACKS) session.wrapper.send(`${line}\n`);
    await session.barrier();
    await session.close();
  });
  afterAll(() => tmp.remove());

  test('acts on exactly the read and the prompt the wrapper allowed, whatever else the lines carried', () => {
    expect(session.executedRequests().map(({ method, uri, name }) => [method, uri ?? name])).toEqual([
      ['resources/read', 'file:///srv/public/a.txt'],
      ['prompts/get', 'allowed_prompt'],
    ]);
    const ids = session.executed().map((message) => message.id);
    for (const smuggled of ['S7', 'S8']) expect(ids).not.toContain(smuggled);
  });

  test('every request is answered exactly once', () => {
    const counts = session.answerCounts();
    for (const [label, , answered] of REQUEST_ATTACKS) {
      for (const id of answered) expect({ label, id, count: counts.get(JSON.stringify(id)) ?? 0 }).toEqual({ label, id, count: 1 });
    }
  });
});

/** Answers whose id is written exactly as `digits` (JSON.parse would round it). */
function rawCount(session: ReaderSession, digits: string): number {
  return session.wrapper.stdout.lines.filter((line) => line.includes(`"id":${digits},`)).length;
}

describe('behind the shipped Plex policy, the stand-in Plex server (node:readline)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  test('write and token tools hidden behind bare \\r in other messages never reach it', async () => {
    const record = join(tmp.dir, 'plex.jsonl');
    const wrapper = startWrapper(
      ['--policy', join(root, 'examples/plex-mcp-server.policy.json'), '--state', 'memory'],
      [process.execPath, join(root, 'tests/fixtures/servers/plex-standin.mjs')],
      { env: { PLEX_TOKEN: 'test-token', RECORD_FILE: record } },
    );
    wrapper.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    await wrapper.stdout.response('init');
    const hidden = [
      call('S1', 'delete_playlist', { playlistId: '1' }),
      call('S2', 'trakt_complete_auth', { code: 'x' }),
    ];
    wrapper.send(`{"jsonrpc":"2.0","id":"p1","method":"ping","params":{"a":${CR}${hidden[0]}${CR},"b":${CR}${hidden[1]}${CR}}}\n`);
    wrapper.send(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"a":${CR}${hidden[0]}${CR}}}\n`);
    wrapper.send(`{"jsonrpc":"2.0","id":"p2","result":{"a":${CR}${hidden[1]}${CR}}}\n`);
    wrapper.send('{"jsonrpc":"2.0","id":"p3","method":"tools/call","params":{"name":"get_libraries","NAME":"delete_playlist"}}\n');
    wrapper.send({ jsonrpc: '2.0', id: 'last', method: 'ping' });
    expect(await wrapper.stdout.response('p1')).toMatchObject({ result: {} });
    expect(await wrapper.stdout.response('p3')).toMatchObject({ error: { code: -32600 } });
    await wrapper.stdout.response('last');
    wrapper.child.stdin.end();
    await wrapper.exited;
    const received = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : [];
    const calls = received.flatMap((line) => {
      try {
        const message = JSON.parse(line) as { method?: string; params?: { name?: string } };
        return message.method === 'tools/call' ? [message.params?.name] : [];
      } catch {
        return [];
      }
    });
    expect(calls).toEqual([]);
    expect(received.every((line) => !/[\r\u2028\u2029]/.test(line))).toBe(true);
  });
});
