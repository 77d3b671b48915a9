import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

const policy = { version: '1', default: 'allow', tools: { denied_tool: { action: 'deny', hide: false } } };
const call = (id: unknown, name: string, args: Message = {}): Message => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/** A wrapper in front of a recording fixture server, spoken to over raw pipes. */
class Session {
  readonly wrapper: RunningWrapper;
  private pings = 0;

  constructor(
    readonly record: string,
    policyFile: string,
    extraArgs: string[] = [],
  ) {
    this.wrapper = startWrapper(['--policy', policyFile, ...extraArgs], [process.execPath, fixtureServer], { env: { RECORD_FILE: record } });
  }

  /** A ping answered by the server: every line sent before it has been handled by both. */
  async barrier(): Promise<void> {
    this.pings += 1;
    const id = `ping-${this.pings}`;
    this.wrapper.send({ jsonrpc: '2.0', id, method: 'ping' });
    await this.wrapper.stdout.response(id);
  }

  /** What the server received, line by line. */
  received(): string[] {
    return readFileSync(this.record, 'utf8').split('\n').filter(Boolean);
  }

  async close(): Promise<void> {
    this.wrapper.child.stdin.end();
    await this.wrapper.exited;
  }
}

beforeAll(() => requireBuild());

describe('bad input on raw pipes', () => {
  const tmp = tempDir();
  let session: Session;

  beforeAll(() => {
    session = new Session(join(tmp.dir, 'received.jsonl'), writePolicy(tmp.dir, policy));
  });
  afterAll(async () => {
    await session.close();
    tmp.remove();
  });

  test('a line that is not JSON is answered with a parse error and never forwarded', async () => {
    session.wrapper.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"unjudged"}\n');
    await session.barrier();
    expect(session.wrapper.stdout.messages()).toContainEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.any(String) } });
    expect(session.received().join('\n')).not.toContain('unjudged');
  });

  test('a batch is refused, each request in it answered with -32600, none forwarded', async () => {
    session.wrapper.send(`${JSON.stringify([call(21, 'echo'), call(22, 'echo')])}\n`);
    await session.barrier();
    expect((await session.wrapper.stdout.response(21)).error.code).toBe(-32600);
    expect((await session.wrapper.stdout.response(22)).error.code).toBe(-32600);
    expect(session.received().some((line) => line.startsWith('['))).toBe(false);
  });

  test('id 0 is an id: a denied call with id 0 is answered and not forwarded', async () => {
    session.wrapper.send(call(0, 'denied_tool'));
    const answer = await session.wrapper.stdout.response(0);
    expect(answer.result).toMatchObject({ isError: true });
    await session.barrier();
    expect(session.received().join('\n')).not.toContain('denied_tool');
  });

  test('a character split across chunks arrives whole', async () => {
    const bytes = Buffer.from(`${JSON.stringify(call('utf8', 'echo', { text: 'é € 😀 ✓' }))}\n`, 'utf8');
    const cut = bytes.indexOf(Buffer.from('😀')) + 2;
    session.wrapper.send(bytes.subarray(0, cut));
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.wrapper.send(bytes.subarray(cut));
    expect((await session.wrapper.stdout.response('utf8')).result.content[0].text).toBe('é € 😀 ✓');
  });

  test('duplicate "name" keys, in either order, are refused with -32600 and never forwarded', async () => {
    session.wrapper.send('{"jsonrpc":"2.0","id":"dup1","method":"tools/call","params":{"name":"allowed_tool","name":"denied_tool"}}\n');
    expect((await session.wrapper.stdout.response('dup1')).error).toMatchObject({ code: -32600 });
    session.wrapper.send('{"jsonrpc":"2.0","id":"dup2","method":"tools/call","params":{"name":"denied_tool","name":"allowed_tool"}}\n');
    expect((await session.wrapper.stdout.response('dup2')).error).toMatchObject({ code: -32600 });
    await session.barrier();
    expect(session.received().filter((line) => line.includes('"dup'))).toEqual([]);
  });

  test('a 20 MB message each way: the request reaches the server, the answer reaches the client', async () => {
    const text = 'ab\u00e9'.repeat(7 * 1024 * 1024);
    session.wrapper.send(call('big', 'echo', { text }));
    const answer = await session.wrapper.stdout.response('big');
    expect(answer.result.content[0].text.length).toBe(text.length);
    expect(answer.result.content[0].text === text).toBe(true);
    expect(session.received().some((line) => line.length > 20_000_000 && line.includes('"method":"tools/call"'))).toBe(true);
  });

  test('empty and whitespace lines are ignored without a word', async () => {
    await session.barrier();
    const said = session.wrapper.stderr().length;
    const answered = session.wrapper.stdout.lines.length;
    session.wrapper.send('\n   \r\n\t\n');
    await session.barrier();
    expect(session.wrapper.stderr().slice(said)).toBe('');
    expect(session.wrapper.stdout.lines.length).toBe(answered + 1);
  });
});

describe('lines over --max-message-bytes', () => {
  const tmp = tempDir();
  let session: Session;
  const limit = 1024 * 1024;

  beforeAll(() => {
    session = new Session(join(tmp.dir, 'received.jsonl'), writePolicy(tmp.dir, policy), ['--max-message-bytes', String(limit)]);
  });
  afterAll(async () => {
    await session.close();
    tmp.remove();
  });

  test('from the client: answered with an error by its id, dropped, and the session goes on', async () => {
    session.wrapper.send(call('too-big', 'echo', { text: 'z'.repeat(2 * limit) }));
    expect((await session.wrapper.stdout.response('too-big')).error.code).toBe(-32600);
    await session.barrier();
    expect(session.received().join('\n')).not.toContain('too-big');
    expect(session.wrapper.stderr()).toMatch(/dropped a \d+-byte message from the client/);
  });

  test('from the server: the request it answers gets an error instead, and the session goes on', async () => {
    session.wrapper.send(call('huge-answer', 'huge', { bytes: 3 * limit }));
    const answer = await session.wrapper.stdout.response('huge-answer');
    expect(answer.error).toMatchObject({ code: -32603, message: expect.stringContaining('over the limit') });
    session.wrapper.send(call('after', 'echo', { text: 'still here' }));
    expect((await session.wrapper.stdout.response('after')).result.content[0].text).toBe('still here');
  });
});
