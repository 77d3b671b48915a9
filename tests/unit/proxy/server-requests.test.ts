import { allowAllGate, type Gate, type ServerAnswer, type ServerRequestVerdict, type ServerToClientRequest } from '../../../src/proxy/gate.js';
import { relayHarness, type Harness } from '../../support/relay-harness.js';

const refuse: ServerRequestVerdict = { kind: 'refuse', error: { code: -1, message: 'Denied by policy: no sampling', data: { 'policy-wrap/decision': { decision: 'deny' } } } };

function gateWith(extra: Partial<Gate>): Gate {
  return { ...allowAllGate, ...extra };
}

async function initialized(harness: Harness): Promise<void> {
  harness.client.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 't', version: '1' } } });
  await harness.server.received.find((message) => message.id !== undefined && message.method === 'initialize');
}

describe('Gate.checkServerRequest', () => {
  test('a refused request is answered to the server under its id as written, with the error data, and never reaches the client', async () => {
    const seen: ServerToClientRequest[] = [];
    const harness = relayHarness({ gate: gateWith({ checkServerRequest: (request) => (seen.push(request), request.method === 'sampling/createMessage' ? refuse : { kind: 'forward' }) }) });
    await initialized(harness);
    harness.server.send('{"jsonrpc":"2.0","id":7.0,"method":"sampling/createMessage","params":{"maxTokens":5}}\n');
    harness.server.send({ jsonrpc: '2.0', id: 'r', method: 'roots/list' });
    const forwarded = await harness.client.received.find((message) => message.method === 'roots/list');
    const answer = await harness.server.received.find((message) => message.error !== undefined);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -1, message: 'policy-wrap: Denied by policy: no sampling', data: { 'policy-wrap/decision': { decision: 'deny' } } } });
    expect(harness.server.received.lines.find((line) => line.includes('"error"'))).toMatch(/^\{"jsonrpc":"2\.0","id":7\.0,/);
    expect(harness.client.received.lines.some((line) => line.includes('sampling/createMessage'))).toBe(false);
    expect(seen).toEqual([
      { id: 7, method: 'sampling/createMessage', params: { maxTokens: 5 } },
      { id: 'r', method: 'roots/list', params: undefined },
    ]);
    expect(forwarded.id).toEqual(expect.any(Number));
  });

  test('a pending verdict lets later server messages pass; the request follows when allowed', async () => {
    let release!: (verdict: ServerRequestVerdict) => void;
    const harness = relayHarness({ gate: gateWith({ checkServerRequest: () => new Promise((resolve) => (release = resolve)) }) });
    await initialized(harness);
    harness.server.send({ jsonrpc: '2.0', id: 1, method: 'elicitation/create', params: { message: 'name?' } });
    harness.server.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after' } });
    await harness.client.received.find((message) => message.method === 'notifications/message');
    expect(harness.client.received.lines.some((line) => line.includes('elicitation/create'))).toBe(false);
    release({ kind: 'forward' });
    const request = await harness.client.received.find((message) => message.method === 'elicitation/create');
    harness.client.send({ jsonrpc: '2.0', id: request.id, result: { action: 'decline' } });
    expect(await harness.server.received.find((message) => message.result !== undefined && message.id === 1)).toEqual({ jsonrpc: '2.0', id: 1, result: { action: 'decline' } });
  });

  test('the server cancels a request still being judged: it reaches nobody', async () => {
    let release!: (verdict: ServerRequestVerdict) => void;
    const harness = relayHarness({ gate: gateWith({ checkServerRequest: () => new Promise((resolve) => (release = resolve)) }) });
    await initialized(harness);
    harness.server.send({ jsonrpc: '2.0', id: 'x', method: 'sampling/createMessage', params: {} });
    harness.server.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'x', reason: 'no longer needed' } });
    harness.server.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'marker' } });
    await harness.client.received.find((message) => message.method === 'notifications/message');
    release({ kind: 'forward' });
    harness.server.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'marker 2' } });
    await harness.client.received.find((message) => message.params?.data === 'marker 2');
    expect(harness.client.received.lines.some((line) => line.includes('sampling/createMessage') || line.includes('notifications/cancelled'))).toBe(false);
    expect(harness.logs).toContainEqual(expect.stringContaining('still being judged'));
  });

  test('a gate that throws refuses: the server gets an internal error, the client nothing', async () => {
    const harness = relayHarness({
      gate: gateWith({
        checkServerRequest: () => {
          throw new Error('boom');
        },
      }),
    });
    await initialized(harness);
    harness.server.send({ jsonrpc: '2.0', id: 3, method: 'roots/list' });
    expect(await harness.server.received.find((message) => message.id === 3 && message.error !== undefined)).toMatchObject({ error: { code: -32603, message: expect.stringContaining('policy check of roots/list failed') } });
    expect(harness.client.received.lines.some((line) => line.includes('roots/list'))).toBe(false);
  });
});

describe('ForwardVerdict.transformAnswer', () => {
  function transforming(transform: (answer: ServerAnswer | undefined) => ServerAnswer | undefined, scanAboveBytes?: number): Harness {
    return relayHarness({ gate: gateWith({ checkCall: () => ({ kind: 'forward', transformAnswer: transform }) }), ...(scanAboveBytes === undefined ? {} : { scanAboveBytes }) });
  }

  async function callAndAnswer(harness: Harness, answerLine: (serverId: unknown) => string): Promise<string> {
    harness.client.send({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 't' } });
    const call = await harness.server.received.find((message) => message.method === 'tools/call');
    harness.server.send(answerLine(call.id));
    await harness.client.received.find((message) => message.id === 'c1');
    return harness.client.received.lines.find((line) => line.includes('"c1"'))!;
  }

  test('undefined: the server bytes, as written', async () => {
    const seen: unknown[] = [];
    const harness = transforming((answer) => (seen.push(answer), undefined));
    const line = await callAndAnswer(harness, (id) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[],"n":1.50}}\n`);
    expect(line).toBe('{"jsonrpc":"2.0","id":"c1","result":{"content":[],"n":1.50}}');
    expect(seen).toEqual([{ result: { content: [], n: 1.5 } }]);
  });

  test('a replacement answer is sent under the client id', async () => {
    const harness = transforming(() => ({ result: { content: [{ type: 'text', text: '[redacted]' }] } }));
    const line = await callAndAnswer(harness, (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'secret' }] } }) + '\n');
    expect(JSON.parse(line)).toEqual({ jsonrpc: '2.0', id: 'c1', result: { content: [{ type: 'text', text: '[redacted]' }] } });
  });

  test('a long answer held in chunks is joined and given whole', async () => {
    const harness = transforming((answer) => ({ result: { length: JSON.stringify(answer).length } }), 1024);
    const text = 'z'.repeat(200_000);
    const line = await callAndAnswer(harness, (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } }) + '\n');
    expect(JSON.parse(line).result.length).toBeGreaterThan(200_000);
  });

  test('an answer that cannot be read, or a transform that throws: an error to the client, nothing of the answer', async () => {
    const seen: unknown[] = [];
    const unreadable = transforming((answer) => (seen.push(answer), undefined), 1024);
    const line = await callAndAnswer(unreadable, (id) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":"${'s'.repeat(5000)}" oops}}\n`);
    expect(seen).toEqual([undefined]);
    expect(JSON.parse(line)).toMatchObject({ id: 'c1', error: { code: -32603 } });
    expect(line).not.toContain('sssss');
    const throwing = transforming(() => {
      throw new Error('bad');
    });
    const thrown = await callAndAnswer(throwing, (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'secret' }] } }) + '\n');
    expect(thrown).not.toContain('secret');
    expect(JSON.parse(thrown)).toMatchObject({ error: { code: -32603, message: expect.stringContaining('policy failed to check the answer') } });
  });
});
