import type { CallVerdict, Gate, ToolCall } from '../../../src/proxy/gate.js';
import { relayHarness } from '../../support/relay-harness.js';

/** A gate that denies `denied_tool` and records what it judged. */
function denyingGate() {
  const judged: ToolCall[] = [];
  const gate: Gate = {
    checkCall: (call): CallVerdict => {
      judged.push(call);
      if (call.name === 'denied_tool') return { kind: 'answer', answer: { error: { code: -32001, message: 'denied' } } };
      return { kind: 'forward' };
    },
    filterToolsList: (list) => list,
  };
  return { gate, judged };
}

const CR = '\r';

describe('client lines reach the server as one message each, meaning what was judged', () => {
  test('a bare \\r cannot smuggle a second message past the gate: the line is forwarded without it', async () => {
    const { gate, judged } = denyingGate();
    const h = relayHarness({ gate });
    const hidden = '{"jsonrpc":"2.0","id":"S1","method":"tools/call","params":{"name":"denied_tool","arguments":{}}}';
    h.client.send(`{"jsonrpc":"2.0","id":"p1","method":"ping","params":{"x":${CR}${hidden}${CR}}}\n`);
    h.client.send(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"x":${CR}${hidden}${CR}}}\n`);
    const forwarded = [await h.server.received.next(), await h.server.received.next()];
    for (const line of forwarded) expect(line).not.toMatch(/[\r\u2028\u2029\u0085]/);
    // The server sees an id of the wrapper's; every other byte is the client's.
    expect(forwarded[0]).toBe(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${hidden}}}`);
    expect(judged).toEqual([]);
  });

  test('U+2028 and its kin in a judged call are escaped, every other byte kept', async () => {
    const { gate, judged } = denyingGate();
    const h = relayHarness({ gate });
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"t":"a\u2028b\u0085","n":1.0}}}\r\n');
    expect(await h.server.received.next()).toBe('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"t":"a\\u2028b\\u0085","n":1.0}}}');
    expect(judged[0]!.arguments).toEqual({ t: 'a\u2028b\u0085', n: 1 });
  });

  test('names equal to a case-insensitive reader are refused with -32600 wherever they are', async () => {
    const { gate, judged } = denyingGate();
    const h = relayHarness({ gate });
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","NAME":"denied_tool"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":2,"method":"ping","Method":"tools/call","params":{"name":"denied_tool"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"path":"/srv/a","PATH":"/etc/shadow"}}}\n');
    h.client.send('{"jsonrpc":"2.0","method":"notifications/x","params":{"a":1,"A":2}}\n');
    for (const id of [1, 2, 3]) expect(await h.client.received.response(id)).toMatchObject({ error: { code: -32600 } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
    expect(judged).toEqual([]);
    expect(h.logs.join('\n')).toMatch(/refused "notifications\/x"/);
  });

  test('a number judged as another value than an exact reader reads is refused in a tools/call, with -32602', async () => {
    const { gate, judged } = denyingGate();
    const h = relayHarness({ gate });
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"n":1234567890123456789}}}\n');
    h.client.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"n":1e400}}}\n');
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32602, message: expect.stringMatching(/beyond double precision/) } });
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32602, message: expect.stringMatching(/too large/) } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
    expect(judged).toEqual([]);
  });

  test('an id no double writes back the same is refused, and the answer carries its exact digits', async () => {
    const h = relayHarness();
    h.client.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"echo"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":1.0,"method":"ping"}\n');
    h.client.send('{"jsonrpc":"2.0","id":1e400,"method":"ping"}\n');
    await h.barrier();
    const lines = h.client.received.lines;
    expect(lines[0]).toMatch(/^\{"jsonrpc":"2.0","id":9007199254740993,"error":\{"code":-32600,/);
    expect(lines[1]).toMatch(/^\{"jsonrpc":"2.0","id":1.0,"error":\{"code":-32600,/);
    expect(lines[2]).toMatch(/^\{"jsonrpc":"2.0","id":1e400,"error":\{"code":-32600,/);
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
  });

  test('a request reaches the server with only its id bytes changed, even when the client reuses an id', async () => {
    const h = relayHarness();
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"slow","params":{"n":1.0}}\n');
    await h.server.received.next();
    // The client cancels id 1 (the answer is still owed) and reuses it.
    h.client.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}\n');
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"again","params":{"n":1.0,"big":12345678901234567890}}\n');
    await h.server.received.next();
    const remapped = await h.server.received.next();
    expect(remapped).toMatch(/^\{"jsonrpc":"2.0","id":2,"method":"again","params":\{"n":1.0,"big":12345678901234567890\}\}$/);
  });

  test('a request nested too deep is answered -32600 with its id and never forwarded', async () => {
    const h = relayHarness();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    h.client.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"a":${deep}}}}\n`);
    h.client.send(`{"jsonrpc":"2.0","id":2,"method":"ping","params":{"a":${deep}}}\n`);
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/deeper than 128/) } });
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32600 } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
  });
});

describe('server lines reach the client as one message each', () => {
  test('stray line boundaries in a server line are removed or escaped; short and long lines alike', async () => {
    const h = relayHarness({ scanAboveBytes: 1024 });
    h.client.send('{"jsonrpc":"2.0","id":1,"method":"a"}\n');
    h.client.send('{"jsonrpc":"2.0","id":2,"method":"b"}\n');
    await h.server.received.next();
    await h.server.received.next();
    h.server.send(`{"jsonrpc":"2.0",${CR}"id":1,"result":{"t":"x\u2028y"}}\n`);
    const long = 'z'.repeat(5000);
    h.server.send(`{"jsonrpc":"2.0","id":2,"result":{"t":"${long}\u2029${long}"},${CR}"n":1.0}\n`);
    expect(await h.client.received.next()).toBe('{"jsonrpc":"2.0","id":1,"result":{"t":"x\\u2028y"}}');
    expect(await h.client.received.next()).toBe(`{"jsonrpc":"2.0","id":2,"result":{"t":"${long}\\u2029${long}"},"n":1.0}`);
  });

  test('a long server line with a raw control byte in a string is not JSON: not forwarded', async () => {
    const h = relayHarness({ scanAboveBytes: 1024 });
    h.server.send(`{"jsonrpc":"2.0","method":"notifications/message","params":{"t":"${'z'.repeat(3000)}\u001e{}"}}\n`);
    h.server.send('{"jsonrpc":"2.0","method":"notifications/after"}\n');
    expect(await h.client.received.next()).toBe('{"jsonrpc":"2.0","method":"notifications/after"}');
    expect(h.logs.join('\n')).toMatch(/not JSON-RPC, not forwarded/);
  });

  test('a server answer nested too deep becomes an error for that request; every request answered once', async () => {
    const h = relayHarness({ scanAboveBytes: 1024 });
    for (const [id, method] of [[1, 'tools/list'], [2, 'x'], [3, 'y']] as const) h.client.send(`{"jsonrpc":"2.0","id":${id},"method":"${method}"}\n`);
    for (let i = 0; i < 3; i += 1) await h.server.received.next();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    h.server.send(`{"jsonrpc":"2.0","id":1,"result":{"tools":${deep}}}\n`);
    h.server.send(`{"jsonrpc":"2.0","id":2,"result":{"a":${'['.repeat(200)}${']'.repeat(200)}}}\n`);
    h.server.send(`{"jsonrpc":"2.0","id":3,"result":{"a":${'['.repeat(126)}${']'.repeat(126)}}}\n`);
    h.server.send(`{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"a":${deep}}}\n`);
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32603, message: expect.stringMatching(/deeper than 128/) } });
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32603 } });
    expect(await h.client.received.response(3)).toMatchObject({ result: { a: expect.any(Array) } });
    expect(await h.server.received.find((m) => m.id === 's1')).toMatchObject({ error: { code: -32600 } });
    expect(h.client.received.messages().filter((m) => m.id !== undefined).map((m) => m.id)).toEqual([1, 2, 3]);
  });
});
