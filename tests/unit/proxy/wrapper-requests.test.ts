import type { CallVerdict, Gate } from '../../../src/proxy/gate.js';
import { VERDICT_DRAIN_MS } from '../../../src/proxy/relay.js';
import { relayHarness } from '../../support/relay-harness.js';

/** A gate that asks the server for its tool list before every verdict, and denies when that fails. */
function askingGate(): Gate {
  return {
    checkCall: async (_call, context): Promise<CallVerdict> => {
      try {
        await context.requestFromServer('tools/list');
        return { kind: 'forward' };
      } catch (error) {
        return { kind: 'answer', answer: { error: { code: -32001, message: String(error) } } };
      }
    },
    filterToolsList: (list) => list,
  };
}

describe("the wrapper's own requests", () => {
  test('have a deadline: the server is told to cancel, the call is answered, the late answer dropped', async () => {
    const h = relayHarness({ gate: askingGate() });
    h.client.send('{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"x"}}\n');
    const own = await h.server.received.find((m) => m.method === 'tools/list');
    expect(h.timers.delays()).toEqual([10_000]);
    h.timers.fireAll();
    expect(await h.server.received.find((m) => m.method === 'notifications/cancelled')).toMatchObject({ params: { requestId: own.id } });
    expect(await h.client.received.response('c1')).toMatchObject({ error: { code: -32001, message: expect.stringMatching(/did not answer within 10 s/) } });
    h.server.send({ jsonrpc: '2.0', id: own.id, result: { tools: [] } });
    await h.barrier();
    expect(h.client.received.messages().filter((m) => m.id === own.id)).toEqual([]);
  });

  test("cannot be cancelled by the client: a cancellation naming one is dropped", async () => {
    const h = relayHarness({ gate: askingGate() });
    h.client.send('{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"x"}}\n');
    const own = await h.server.received.find((m) => m.method === 'tools/list');
    h.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: own.id } });
    h.client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'never-sent' } });
    await h.barrier();
    expect(h.server.received.messages().filter((m) => m.method === 'notifications/cancelled')).toEqual([]);
    h.server.send({ jsonrpc: '2.0', id: own.id, result: { tools: [] } });
    await h.server.received.find((m) => m.method === 'tools/call');
  });
});

describe('the end of the client input', () => {
  test('ends the session even while a verdict never comes: the call is answered, the server input closed', async () => {
    const never: Gate = { checkCall: () => new Promise<CallVerdict>(() => undefined), filterToolsList: (list) => list };
    const h = relayHarness({ gate: never });
    h.client.send('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}}\n');
    await h.barrier();
    h.streams.clientInput.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.timers.delays()).toEqual([VERDICT_DRAIN_MS]);
    h.timers.fireAll();
    await h.relay.clientDone;
    expect(await h.client.received.response(7)).toMatchObject({ error: { code: -32603, message: expect.stringMatching(/did not finish/) } });
    expect(h.server.received.messages().filter((m) => m.method === 'tools/call')).toEqual([]);
  });
});
