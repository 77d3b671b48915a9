import type { Gate } from '../../../src/proxy/gate.js';
import { relayHarness } from '../../support/relay-harness.js';

const timed: Gate = { checkCall: () => ({ kind: 'forward', timeoutMs: 1000 }), filterToolsList: (list) => list };
const created = (id: unknown, taskId: string) => ({ jsonrpc: '2.0', id, result: { task: { taskId, status: 'working' } } });

describe("a rule's timeout bounds a task-augmented call to its end", () => {
  test('at the deadline the task is cancelled at the server and the waiting tasks/result gets the timeout refusal', async () => {
    const h = relayHarness({ gate: timed });
    h.client.send({ jsonrpc: '2.0', id: 'c', method: 'tools/call', params: { name: 'slow', arguments: {}, task: { ttl: 60000 } } });
    const call = await h.server.received.nextMessage();
    h.server.send(created(call.id, 't1'));
    expect(await h.client.received.response('c')).toEqual(created('c', 't1'));
    h.client.send({ jsonrpc: '2.0', id: 'r', method: 'tasks/result', params: { taskId: 't1' } });
    const asked = await h.server.received.nextMessage();
    expect(asked).toMatchObject({ method: 'tasks/result', params: { taskId: 't1' } });
    h.timers.fireAll();
    expect(await h.client.received.response('r')).toMatchObject({ result: { isError: true, content: [{ text: expect.stringMatching(/^Timed out: slow did not answer within 1 s/) }] } });
    expect(await h.server.received.find((m) => m.method === 'tasks/cancel')).toMatchObject({ params: { taskId: 't1' } });
    // The late result reaches nobody; a later tasks/result is refused at once.
    h.server.send({ jsonrpc: '2.0', id: asked.id, result: { content: [{ type: 'text', text: 'late' }] } });
    h.client.send({ jsonrpc: '2.0', id: 'r2', method: 'tasks/result', params: { taskId: 't1' } });
    expect(await h.client.received.response('r2')).toMatchObject({ result: { isError: true } });
    await h.barrier();
    expect(h.client.received.messages().filter((m) => m.id === 'r')).toHaveLength(1);
    expect(h.server.received.messages().filter((m) => m.method === 'tasks/result')).toHaveLength(1);
  });

  test('a result fetched in time ends the watch: nothing is cancelled', async () => {
    const h = relayHarness({ gate: timed });
    h.client.send({ jsonrpc: '2.0', id: 'c', method: 'tools/call', params: { name: 'quick', task: {} } });
    h.server.send(created((await h.server.received.nextMessage()).id, 't2'));
    await h.client.received.response('c');
    h.client.send({ jsonrpc: '2.0', id: 'r', method: 'tasks/result', params: { taskId: 't2' } });
    h.server.send({ jsonrpc: '2.0', id: (await h.server.received.nextMessage()).id, result: { content: [] } });
    expect(await h.client.received.response('r')).toMatchObject({ result: { content: [] } });
    h.timers.fireAll();
    await h.barrier();
    expect(h.server.received.messages().filter((m) => m.method === 'tasks/cancel')).toEqual([]);
  });
});
