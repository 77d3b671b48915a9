import { PassThrough, Writable } from 'node:stream';
import type { CallOutcome, CallVerdict, Gate, GateContext, ToolCall } from '../../../src/proxy/gate.js';
import { createRelay } from '../../../src/proxy/relay.js';
import type { Message } from '../../support/lines.js';
import { relayHarness } from '../../support/relay-harness.js';

const request = (id: unknown, method: string, params?: Message): Message => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const call = (id: unknown, name: string, args: Message = {}): Message => request(id, 'tools/call', { name, arguments: args });
const result = (id: unknown, value: Message = {}): Message => ({ jsonrpc: '2.0', id, result: value });

/** The client asks `id`; the id the server saw for it, once it arrived (the wrapper chooses it). */
async function askedAs(h: ReturnType<typeof relayHarness>, id: unknown, method = 'ping'): Promise<unknown> {
  h.client.send(request(id, method, { asked: id }));
  return (await h.server.received.find((m) => m.method === method && m.params?.asked === id, `${method} at the server`)).id;
}

/** A gate that denies the named tools, records what it judged and every outcome. */
function recordingGate(denied: string[] = [], extra: Partial<Gate> = {}) {
  const judged: ToolCall[] = [];
  const outcomes: { name: string; outcome: CallOutcome }[] = [];
  let context: GateContext | undefined;
  const gate: Gate = {
    checkCall: (toolCall, gateContext): CallVerdict => {
      judged.push(toolCall);
      context = gateContext;
      if (denied.includes(toolCall.name)) {
        return { kind: 'answer', answer: { error: { code: -32001, message: `denied: ${toolCall.name}` } } };
      }
      return { kind: 'forward', onOutcome: (outcome) => outcomes.push({ name: toolCall.name, outcome }) };
    },
    filterToolsList: (list) => list,
    ...extra,
  };
  return { gate, judged, outcomes, context: () => context! };
}

describe('relay: client to server', () => {
  test('forwards requests and notifications as their original bytes, answers back unchanged', async () => {
    const h = relayHarness();
    const raw = '{ "jsonrpc" : "2.0", "id" : 1, "method" : "initialize", "params" : {"n": 1.50} }';
    h.client.send(`${raw}\r\n`);
    h.client.send('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    expect(await h.server.received.next()).toBe(raw);
    expect(await h.server.received.next()).toBe('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    const answer = '{"result":{"protocolVersion":"2025-06-18"},"jsonrpc":"2.0","id":1}';
    h.server.send(`${answer}\n`);
    expect(await h.client.received.next()).toBe(answer);
  });

  test('a tools/call is forwarded as the very bytes the judged message was read from', async () => {
    const { gate, judged } = recordingGate();
    const h = relayHarness({ gate });
    const raw = '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"allowed_tool","arguments":{"a":1.0,"b":-0.0,"c":1e300,"d":"\u00e9"}}}';
    h.client.send(`${raw}\n`);
    // Every byte as the client wrote it but the id, which the wrapper chooses.
    expect(await h.server.received.next()).toBe(raw.replace('"id":5', '"id":1'));
    expect(judged.map((c) => c.arguments)).toEqual([{ a: 1, b: -0, c: 1e300, d: 'é' }]);
  });

  test('a name given twice, at any depth, is refused with -32600 and never judged or forwarded', async () => {
    const { gate, judged } = recordingGate(['denied_tool']);
    const h = relayHarness({ gate });
    h.client.send('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"allowed_tool","name":"denied_tool"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":7,"method":"tools/call","method":"ping"}\n');
    h.client.send('{"jsonrpc":"2.0","id":8,"method":"ping","params":{"a":[{"x":1,"x":2}]}}\n');
    for (const id of [6, 7, 8]) {
      expect(await h.client.received.response(id)).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/appears twice/) } });
    }
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
    expect(judged).toEqual([]);
  });

  test('id 0 and "" are ids: the call is gated and answered with that id', async () => {
    const { gate } = recordingGate(['denied_tool']);
    const h = relayHarness({ gate });
    h.client.send(call(0, 'denied_tool'));
    h.client.send(call('', 'denied_tool'));
    expect(await h.client.received.response(0)).toMatchObject({ error: { code: -32001 } });
    expect(await h.client.received.response('')).toMatchObject({ error: { code: -32001 } });
    await h.barrier();
    expect(h.server.received.messages().filter((m) => m.method === 'tools/call')).toEqual([]);
  });

  test('what cannot be judged is never forwarded; whoever has an id gets an error', async () => {
    const h = relayHarness();
    h.client.send('this is not json\n');
    h.client.send('[{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"x"}}]\n');
    h.client.send('{"jsonrpc":"1.0","id":12,"method":"ping"}\n');
    h.client.send('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"x","arguments":"rm -rf"}}\n');
    h.client.send('{"jsonrpc":"2.0","id":14,"method":"tools/call","params":["x"]}\n');
    h.client.send('   \n\n');
    await h.barrier();
    const reached = h.server.received.messages();
    expect(reached.map((m) => m.method)).toEqual(['ping']);
    expect(h.client.received.messages().map((m) => [m.id, m.error?.code])).toEqual([
      [null, -32700],
      [11, -32600],
      [12, -32600],
      [13, -32602],
      [14, -32602],
    ]);
    expect(h.logs.join('\n')).toMatch(/tools\/call without an id/);
  });

  test('a request reusing an id still in flight is refused', async () => {
    const h = relayHarness();
    h.client.send(request(1, 'resources/list'));
    h.client.send(request(1, 'prompts/list'));
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32600 } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['resources/list', 'ping']);
  });
});

describe('relay: server to client', () => {
  test('text on the server stdout goes to the log, not to the client', async () => {
    const h = relayHarness();
    const x = await askedAs(h, 'x');
    h.server.send('Fetching Plex watched movies...\n');
    h.server.send(result(x));
    expect(await h.client.received.next()).toBe('{"jsonrpc":"2.0","id":"x","result":{}}');
    expect(h.logs).toContainEqual(expect.stringContaining('Fetching Plex watched movies...'));
  });

  test('tools/list goes through filterToolsList and back under the client id', async () => {
    const { gate } = recordingGate([], {
      filterToolsList: (list) => ({ ...list, tools: (list.tools as Message[]).filter((t) => t.name !== 'secret') }),
    });
    const h = relayHarness({ gate });
    const asked = await askedAs(h, 'L', 'tools/list');
    h.server.send(result(asked, { tools: [{ name: 'open' }, { name: 'secret' }], nextCursor: 'c' }));
    expect(await h.client.received.response('L')).toEqual(result('L', { tools: [{ name: 'open' }], nextCursor: 'c' }));
  });

  test('long lines sent in pieces: a tools/list answer is still filtered, text still goes to the log, blanks are skipped', async () => {
    const { gate } = recordingGate([], {
      filterToolsList: (list) => ({ ...list, tools: (list.tools as Message[]).filter((t) => t.name !== 'secret') }),
    });
    const h = relayHarness({ gate, scanAboveBytes: 64 });
    const asked = await askedAs(h, 'L', 'tools/list');
    const tools = [{ name: 'open', description: 'd'.repeat(300) }, { name: 'secret' }];
    const answer = Buffer.from(`${JSON.stringify(result(asked, { tools }))}\r\n`);
    for (let at = 0; at < answer.length; at += 50) h.server.send(answer.subarray(at, at + 50));
    expect(await h.client.received.response('L')).toEqual(result('L', { tools: [tools[0]!] }));
    h.server.send(`${' '.repeat(100)}\n`);
    h.server.send(`progress: ${'.'.repeat(3000)}\n`);
    h.server.send(result(await askedAs(h, 'after')));
    expect(await h.client.received.response('after')).toEqual(result('after'));
    expect(h.logs).toEqual([expect.stringMatching(/^server stdout \(not JSON-RPC, not forwarded\): "progress: \.+"… \(3010 bytes\)$/)]);
  });

  test('list_changed reaches the gate and the client', async () => {
    let changed = 0;
    const { gate } = recordingGate([], { toolsListChanged: () => (changed += 1) });
    const h = relayHarness({ gate });
    h.server.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    await h.client.received.find((m) => m.method === 'notifications/tools/list_changed');
    expect(changed).toBe(1);
  });

  test('ids both ways are the wrapper\'s: each answer goes to its asker, a stray one to nobody', async () => {
    const h = relayHarness();
    h.client.send(request(1, 'resources/list'));
    h.server.send(request('s1', 'sampling/createMessage', { messages: [] }));
    const asked = (await h.server.received.find((m) => m.method === 'resources/list')).id;
    const sampling = await h.client.received.find((m) => m.method === 'sampling/createMessage');
    expect(sampling.id).not.toBe('s1');
    h.client.send(result('s1', { forged: true }));
    h.client.send(result(sampling.id, { role: 'assistant' }));
    h.client.send(result(sampling.id, { twice: true }));
    h.server.send(result(asked, { resources: [] }));
    expect(await h.server.received.find((m) => m.id === 's1' && 'result' in m)).toEqual(result('s1', { role: 'assistant' }));
    expect(await h.client.received.response(1)).toEqual(result(1, { resources: [] }));
    await h.barrier();
    expect(h.server.received.messages().filter((m) => m.result?.forged || m.result?.twice)).toEqual([]);
  });

  test('the server cancelling its own request reaches the client under the id the client knows', async () => {
    const h = relayHarness();
    h.server.send(request('s9', 'elicitation/create', { message: 'name?' }));
    const asked = await h.client.received.find((m) => m.method === 'elicitation/create');
    h.server.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 's9', reason: 'gone' } });
    expect(await h.client.received.find((m) => m.method === 'notifications/cancelled')).toMatchObject({ params: { requestId: asked.id, reason: 'gone' } });
    h.client.send(result(asked.id, { action: 'decline' }));
    await h.barrier();
    expect(h.server.received.messages().filter((m) => 'result' in m)).toEqual([]);
  });

  test('a large line is scanned, not parsed, and forwarded as it came', async () => {
    const { gate, outcomes } = recordingGate();
    const h = relayHarness({ gate, scanAboveBytes: 64 });
    h.client.send(call(3, 'big'));
    const asked = (await h.server.received.nextMessage()).id;
    const line = (id: unknown) => JSON.stringify({ result: { content: [{ type: 'text', text: 'y'.repeat(5000) }], isError: true }, jsonrpc: '2.0', id });
    h.server.send(`${line(asked)}\n`);
    // As it came, but for the id, found at the end of the line and put back as the client wrote it.
    expect(await h.client.received.next()).toBe(line(3));
    expect(outcomes).toEqual([{ name: 'big', outcome: { kind: 'result', isError: true, latencyMs: expect.any(Number) } }]);
  });
});

describe('relay: gate verdicts', () => {
  test('a pending verdict does not hold up later messages; its call follows when it settles', async () => {
    let release!: (verdict: CallVerdict) => void;
    const gate: Gate = {
      checkCall: (toolCall) =>
        toolCall.name === 'slow_check' ? new Promise<CallVerdict>((resolve) => (release = resolve)) : { kind: 'forward' },
      filterToolsList: (list) => list,
    };
    const h = relayHarness({ gate });
    h.client.send(call(1, 'slow_check'));
    h.client.send(call(2, 'quick'));
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.params?.name ?? m.method)).toEqual(['quick', 'ping']);
    release({ kind: 'forward' });
    expect(await h.server.received.find((m) => m.params?.name === 'slow_check')).toMatchObject({ method: 'tools/call' });
  });

  test('a call cancelled while its verdict is pending is neither forwarded nor answered', async () => {
    let release!: (verdict: CallVerdict) => void;
    const outcomes: CallOutcome[] = [];
    const gate: Gate = {
      checkCall: () => new Promise<CallVerdict>((resolve) => (release = resolve)),
      filterToolsList: (list) => list,
    };
    const h = relayHarness({ gate });
    h.client.send(call(1, 'x'));
    h.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'user' } });
    await h.barrier();
    release({ kind: 'forward', onOutcome: (outcome) => outcomes.push(outcome) });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping', 'ping']);
    expect(h.client.received.messages().filter((m) => m.id === 1)).toEqual([]);
    expect(outcomes).toEqual([{ kind: 'not-forwarded', reason: 'cancelled' }]);
  });

  test('a gate that throws or rejects answers the client and forwards nothing', async () => {
    const gate: Gate = {
      checkCall: (toolCall) => {
        if (toolCall.name === 'throws') throw new Error('boom');
        return Promise.reject(new Error('store down'));
      },
      filterToolsList: (list) => list,
    };
    const h = relayHarness({ gate });
    h.client.send(call(1, 'throws'));
    h.client.send(call(2, 'rejects'));
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32603 } });
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32603 } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
  });

  test('outcomes: a result with isError, and an error code', async () => {
    const { gate, outcomes } = recordingGate();
    const h = relayHarness({ gate });
    h.client.send(call(1, 'a'));
    h.client.send(call(2, 'b'));
    await h.server.received.find((m) => m.id === 2);
    h.server.send(result(1, { content: [], isError: true }));
    h.server.send({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'bad' } });
    await h.client.received.response(2);
    expect(outcomes.map((o) => [o.name, o.outcome.kind, 'isError' in o.outcome ? o.outcome.isError : 'code' in o.outcome ? o.outcome.code : undefined])).toEqual([
      ['a', 'result', true],
      ['b', 'error', -32602],
    ]);
  });

  test('a timeout answers the client, cancels at the server and drops the late answer', async () => {
    const outcomes: CallOutcome[] = [];
    const gate: Gate = {
      checkCall: () => ({ kind: 'forward', timeoutMs: 1500, onOutcome: (outcome) => outcomes.push(outcome) }),
      filterToolsList: (list) => list,
    };
    const h = relayHarness({ gate });
    h.client.send(call(9, 'hang'));
    const asked = (await h.server.received.nextMessage()).id;
    expect(h.timers.delays()).toEqual([1500]);
    h.timers.fireAll();
    expect(await h.client.received.response(9)).toEqual(
      result(9, { content: [{ type: 'text', text: 'Timed out: hang did not answer within 1.5 s; the request was cancelled.' }], isError: true }),
    );
    expect(JSON.parse(await h.server.received.next())).toMatchObject({ method: 'notifications/cancelled', params: { requestId: asked } });
    h.server.send(result(asked, { content: [{ type: 'text', text: 'late' }] }));
    h.server.send(result(await askedAs(h, 'after')));
    await h.client.received.response('after');
    expect(h.client.received.messages().filter((m) => m.id === 9)).toHaveLength(1);
    expect(outcomes).toEqual([{ kind: 'timeout', latencyMs: expect.any(Number) }]);
  });

  test('an incomplete result reports its resultType and requestState, parsed or scanned', async () => {
    for (const scanAboveBytes of [1 << 20, 16]) {
      const { gate, outcomes } = recordingGate();
      const h = relayHarness({ gate, scanAboveBytes });
      h.client.send(call(1, 'needs_input'));
      await h.server.received.next();
      h.server.send(result(1, { content: [], resultType: 'incomplete', requestState: 'opaque-state' }));
      await h.client.received.response(1);
      expect(outcomes.map((o) => o.outcome)).toEqual([
        { kind: 'result', isError: false, latencyMs: expect.any(Number), resultType: 'incomplete', requestState: 'opaque-state' },
      ]);
    }
  });

  test('an answer in time stops the timer', async () => {
    const gate: Gate = { checkCall: () => ({ kind: 'forward', timeoutMs: 1000 }), filterToolsList: (list) => list };
    const h = relayHarness({ gate });
    h.client.send(call(1, 'quick'));
    await h.server.received.next();
    h.server.send(result(1));
    await h.client.received.response(1);
    expect(h.timers.delays()).toEqual([]);
  });

  test('a cancelled call: the cancellation is forwarded, the outcome is cancelled, a late answer dropped', async () => {
    const { gate, outcomes } = recordingGate();
    const h = relayHarness({ gate });
    h.client.send(call(4, 'long'));
    const asked = (await h.server.received.nextMessage()).id;
    h.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4 } });
    expect(JSON.parse(await h.server.received.next())).toMatchObject({ method: 'notifications/cancelled', params: { requestId: asked } });
    h.server.send(result(asked));
    h.server.send(result(await askedAs(h, 'after')));
    await h.client.received.response('after');
    expect(h.client.received.messages().filter((m) => m.id === 4)).toEqual([]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['cancelled']);
  });

  test('a client id reused while an abandoned answer is owed goes out remapped and comes back under its own id', async () => {
    const { gate } = recordingGate();
    const h = relayHarness({ gate });
    h.client.send(call(4, 'long'));
    await h.server.received.next();
    h.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4 } });
    await h.server.received.next();
    h.client.send(call(4, 'again'));
    const remapped = await h.server.received.nextMessage();
    expect(remapped).toMatchObject({ method: 'tools/call', params: { name: 'again' } });
    expect(remapped.id).not.toBe(4);
    h.server.send(result(4, { content: [{ type: 'text', text: 'old' }] }));
    h.server.send(result(remapped.id, { content: [{ type: 'text', text: 'new' }] }));
    expect(await h.client.received.response(4)).toEqual(result(4, { content: [{ type: 'text', text: 'new' }] }));
  });

  test('requestFromServer uses ids of its own; the answer stays with the wrapper', async () => {
    const recording = recordingGate();
    const h = relayHarness({ gate: recording.gate });
    h.client.send(call(1, 'x'));
    await h.server.received.next();
    const asked = recording.context().requestFromServer('tools/list');
    const sent = await h.server.received.nextMessage();
    expect(sent).toMatchObject({ method: 'tools/list' });
    expect(sent.id).not.toBe(1);
    h.client.send(request(sent.id, 'prompts/list'));
    const clientsOwn = await h.server.received.nextMessage();
    expect(clientsOwn.method).toBe('prompts/list');
    expect(clientsOwn.id).not.toBe(sent.id);
    h.server.send(result(sent.id, { tools: [{ name: 'x' }] }));
    h.server.send(result(clientsOwn.id, { prompts: [] }));
    await expect(asked).resolves.toEqual({ tools: [{ name: 'x' }] });
    expect(await h.client.received.response(sent.id)).toEqual(result(sent.id, { prompts: [] }));
    expect(h.client.received.messages().filter((m) => m.result?.tools)).toEqual([]);
  });
});

describe('relay: limits', () => {
  test('a client line over the limit is answered by its id and dropped; the next one passes', async () => {
    const h = relayHarness({ maxMessageBytes: 100 });
    h.client.send(`${JSON.stringify(call(21, 'x', { blob: 'z'.repeat(500) }))}\n`);
    h.client.send(`{"jsonrpc":"2.0","method":"notifications/x","params":{"blob":"${'z'.repeat(500)}"}}\n`);
    h.client.send(`not json ${'z'.repeat(500)}\n`);
    expect(await h.client.received.response(21)).toMatchObject({ error: { code: -32600 } });
    await h.barrier();
    expect(h.server.received.messages().map((m) => m.method)).toEqual(['ping']);
    expect(h.client.received.messages()).toHaveLength(1);
  });

  test("a server answer over the limit is replaced by an error for the request it answers", async () => {
    const { gate, outcomes } = recordingGate();
    const h = relayHarness({ gate, maxMessageBytes: 100 });
    h.client.send(call(1, 'a'));
    h.client.send(call(2, 'b'));
    await h.server.received.find((m) => m.id === 2);
    h.server.send(`${JSON.stringify({ result: { content: [{ type: 'text', text: 'w'.repeat(1000) }] }, jsonrpc: '2.0', id: 2 })}\n`);
    h.server.send(result(1));
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32603 } });
    expect(await h.client.received.response(1)).toEqual(result(1));
    expect(outcomes.map((o) => [o.name, o.outcome.kind])).toEqual([
      ['b', 'error'],
      ['a', 'result'],
    ]);
  });

  test("a client answer over the limit is dropped and the server's request gets an error instead", async () => {
    const h = relayHarness({ maxMessageBytes: 100 });
    h.server.send(request('s2', 'elicitation/create', { message: 'name?' }));
    const asked = await h.client.received.find((m) => m.method === 'elicitation/create');
    h.client.send(`${JSON.stringify(result(asked.id, { action: 'accept', content: { name: 'n'.repeat(500) } }))}\n`);
    expect(await h.server.received.nextMessage()).toMatchObject({ id: 's2', error: { code: -32603 } });
  });

  test("a server request over the limit is answered to the server with an error", async () => {
    const h = relayHarness({ maxMessageBytes: 100 });
    h.server.send(`${JSON.stringify(request('s1', 'sampling/createMessage', { text: 'q'.repeat(500) }))}\n`);
    expect(await h.server.received.nextMessage()).toMatchObject({ id: 's1', error: { code: -32600 } });
  });
});

describe('relay: ends', () => {
  test('when the server stops, every request in flight is answered and later ones at once', async () => {
    const { gate, outcomes, context } = recordingGate();
    const h = relayHarness({ gate });
    h.client.send(call(1, 'a'));
    h.client.send(request(2, 'resources/list'));
    await h.server.received.find((m) => m.id === 2);
    const asked = context().requestFromServer('ping');
    h.server.input.end();
    await h.relay.serverDone;
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32000 } });
    expect(await h.client.received.response(2)).toMatchObject({ error: { code: -32000 } });
    await expect(asked).rejects.toThrow(/stopped/);
    h.client.send(call(3, 'b'));
    expect(await h.client.received.response(3)).toMatchObject({ error: { code: -32000 } });
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['server-exited']);
  });

  test('a call that cannot be written to the server is answered, and the gate hears not-forwarded', async () => {
    const { gate, outcomes } = recordingGate();
    const h = relayHarness({ gate });
    h.streams.serverInput.destroy();
    h.client.send(call(1, 'x'));
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32000 } });
    expect(outcomes.map((o) => o.outcome)).toEqual([{ kind: 'not-forwarded', reason: 'server-unreachable' }]);
  });

  test("the client's end closes the server's input once pending verdicts have settled", async () => {
    let release!: (verdict: CallVerdict) => void;
    const gate: Gate = { checkCall: () => new Promise((resolve) => (release = resolve)), filterToolsList: (l) => l };
    const h = relayHarness({ gate });
    h.client.send(call(1, 'x'));
    h.client.input.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.server.input.writableEnded).toBe(false);
    release({ kind: 'forward' });
    await h.relay.clientDone;
    expect(await h.server.received.nextMessage()).toEqual(call(1, 'x'));
    await h.server.received.end();
  });
});

describe('relay: backpressure', () => {
  test.each(['client to server', 'server to client'])(
    '%s: a reader that does not read pauses the writer, and reading resumes when it drains',
    async (direction) => {
      const streams = {
        clientInput: new PassThrough(),
        clientOutput: new PassThrough({ highWaterMark: 1024 }),
        serverInput: new PassThrough({ highWaterMark: 1024 }),
        serverOutput: new PassThrough(),
      };
      const relay = createRelay({
        client: { input: streams.clientInput, output: streams.clientOutput },
        server: { input: streams.serverInput, output: streams.serverOutput },
        gate: { checkCall: () => ({ kind: 'forward' }), filterToolsList: (l) => l },
      });
      const [source, sink] =
        direction === 'client to server' ? [streams.clientInput, streams.serverInput] : [streams.serverOutput, streams.clientOutput];
      const line = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/x', params: { pad: 'p'.repeat(4096) } })}\n`;
      for (let i = 0; i < 50; i += 1) source.write(line);
      await new Promise((resolve) => setImmediate(resolve));
      expect(source.isPaused()).toBe(true);
      expect(sink.writableLength).toBeLessThan(50 * line.length);
      let received = 0;
      sink.on('data', (chunk: Buffer) => (received += chunk.length));
      while (received < 50 * line.length) await new Promise((resolve) => setImmediate(resolve));
      expect(source.isPaused()).toBe(false);
      relay.close();
    },
  );
});

describe('relay: writes', () => {
  /** A destination that records each write it gets from the stream machinery, as lists of lines. */
  function recordingSink() {
    const writes: string[][] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push([chunk.toString()]);
        callback();
      },
      writev(chunks, callback) {
        writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
        callback();
      },
    });
    return { sink, writes };
  }

  test.each(['client to server', 'server to client'])('%s: the lines of one chunk leave in one write, each with its newline', async (direction) => {
    const client = recordingSink();
    const server = recordingSink();
    const clientInput = new PassThrough();
    const serverOutput = new PassThrough();
    const relay = createRelay({
      client: { input: clientInput, output: client.sink },
      server: { input: server.sink, output: serverOutput },
      gate: { checkCall: () => ({ kind: 'forward' }), filterToolsList: (l) => l },
    });
    const [source, writes] = direction === 'client to server' ? [clientInput, server.writes] : [serverOutput, client.writes];
    const lines = [1, 2, 3].map((n) => JSON.stringify({ jsonrpc: '2.0', method: `notifications/n${n}` }));
    source.write(`${lines.join('\n')}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([lines.map((line) => `${line}\n`)]);
    source.write(`${lines[0]!}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes[1]).toEqual([`${lines[0]!}\n`]);
    relay.close();
  });
});
