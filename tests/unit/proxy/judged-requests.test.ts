import type { CallOutcome, Gate, JudgedRequest } from '../../../src/proxy/gate.js';
import { relayHarness } from '../../support/relay-harness.js';
import type { Message } from '../../support/lines.js';

const request = (id: unknown, method: string, params?: Message): Message => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const result = (id: unknown, value: Message = {}): Message => ({ jsonrpc: '2.0', id, result: value });

/** A gate that refuses reads of "secret://…", forwards the rest with a timeout, and hides prompts named "hidden". */
function judgingGate() {
  const seen: JudgedRequest[] = [];
  const outcomes: CallOutcome[] = [];
  const gate: Gate = {
    checkCall: () => ({ kind: 'forward' }),
    filterToolsList: (list) => list,
    checkRequest(judged) {
      seen.push(judged);
      if (String(judged.params.uri).startsWith('secret://')) return { kind: 'answer', answer: { error: { code: -32002, message: 'Resource not found' } } };
      return Promise.resolve({ kind: 'forward', timeoutMs: 2000, onOutcome: (outcome) => outcomes.push(outcome) });
    },
    filterList(method, list) {
      if (method !== 'prompts/list' || !Array.isArray(list.prompts)) return undefined;
      const prompts = list.prompts.filter((prompt: { name?: unknown }) => prompt.name !== 'hidden');
      return prompts.length === list.prompts.length ? undefined : { ...list, prompts };
    },
  };
  return { gate, seen, outcomes };
}

describe('relay: requests judged besides tools/call', () => {
  test('a refused read never reaches the server; an allowed one does, judged with its params', async () => {
    const { gate, seen } = judgingGate();
    const h = relayHarness({ gate });
    h.client.send(request(1, 'resources/read', { uri: 'secret://key' }));
    expect(await h.client.received.response(1)).toMatchObject({ error: { code: -32002 } });
    h.client.send(request(2, 'resources/read', { uri: 'file:///ok' }));
    const asked = await h.server.received.nextMessage();
    expect(asked).toMatchObject({ method: 'resources/read', params: { uri: 'file:///ok' } });
    expect(seen.map((judged) => [judged.id, judged.method])).toEqual([
      [1, 'resources/read'],
      [2, 'resources/read'],
    ]);
  });

  test('a timed-out prompts/get is answered with a RequestTimeout error, not a tool result, and cancelled at the server', async () => {
    const { gate, outcomes } = judgingGate();
    const h = relayHarness({ gate });
    h.client.send(request(7, 'prompts/get', { name: 'slow' }));
    const asked = (await h.server.received.nextMessage()).id;
    expect(h.timers.delays()).toEqual([2000]);
    h.timers.fireAll();
    const answer = await h.client.received.response(7);
    expect(answer.error).toMatchObject({ code: -32001, message: expect.stringContaining('prompts/get got no answer within 2 s') });
    expect(JSON.parse(await h.server.received.next())).toMatchObject({ method: 'notifications/cancelled', params: { requestId: asked } });
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['timeout']);
  });

  test('a judged method sent as a notification is dropped: it can be neither judged nor answered', async () => {
    const { gate, seen } = judgingGate();
    const h = relayHarness({ gate });
    h.client.send({ jsonrpc: '2.0', method: 'resources/read', params: { uri: 'secret://key' } });
    await h.barrier();
    expect(h.server.received.messages().filter((message) => message.method === 'resources/read')).toEqual([]);
    expect(seen).toEqual([]);
    expect(h.logs.join('\n')).toContain('dropped a resources/read without an id');
  });

  test('params that are not an object are refused without asking the gate', async () => {
    const { gate, seen } = judgingGate();
    const h = relayHarness({ gate });
    h.client.send(request(3, 'completion/complete', [] as unknown as Message));
    expect(await h.client.received.response(3)).toMatchObject({ error: { code: -32602 } });
    expect(seen).toEqual([]);
  });

  test('without checkRequest, judged methods are forwarded as they are', async () => {
    const h = relayHarness({ gate: { checkCall: () => ({ kind: 'forward' }), filterToolsList: (list) => list } });
    h.client.send(request(5, 'resources/read', { uri: 'secret://key' }));
    expect(await h.server.received.nextMessage()).toMatchObject({ method: 'resources/read', params: { uri: 'secret://key' } });
  });

  test('a list with nothing hidden goes on byte for byte; one with hidden items is rewritten', async () => {
    const { gate } = judgingGate();
    const h = relayHarness({ gate });
    h.client.send(request(1, 'prompts/list'));
    await h.server.received.next();
    const asWritten = '{"jsonrpc":"2.0","id":1,  "result":{"prompts":[{"name":"a"}], "extra" : 1.50}}\n';
    h.server.send(asWritten);
    await h.client.received.response(1);
    expect(h.client.received.lines).toContain(asWritten.trimEnd());
    h.client.send(request(2, 'prompts/list'));
    await h.server.received.next();
    h.server.send(result(2, { prompts: [{ name: 'a' }, { name: 'hidden' }] }));
    expect((await h.client.received.response(2)).result).toEqual({ prompts: [{ name: 'a' }] });
  });
});
