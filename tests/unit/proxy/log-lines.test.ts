import type { Gate } from '../../../src/proxy/gate.js';
import type { Message } from '../../support/lines.js';
import { relayHarness, type Harness } from '../../support/relay-harness.js';

/** Every character some reader of a log ends a line at: Python's splitlines, Java, JavaScript, terminals. */
const LINE_BOUNDARY = /[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;
const FORGED = '\npolicy-wrap: policy reloaded from x';

const call = (id: unknown, name: string): Message => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

/** The log lines that mention `marker`; each must stay one line for every reader. */
function linesAbout(h: Harness, marker: string): string[] {
  for (const line of h.logs) expect(line).not.toMatch(LINE_BOUNDARY);
  return h.logs.filter((line) => line.includes(marker));
}

describe('log lines show what the client or server sent escaped, one line each', () => {
  test('a method with a newline and a forged log line, refused: one line, the method in its JSON form', async () => {
    const h = relayHarness();
    h.client.send(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: `x${FORGED}`, params: {} }).replace('"params":{}', '"params":{"a":1,"a":2}')}\n`);
    await h.client.received.response(1);
    expect(linesAbout(h, 'reloaded')).toEqual(['refused "x\\npolicy-wrap: policy reloaded from x" from the client: the member name "a" appears twice in one object (readers keep different ones)']);
    expect(h.logs.filter((line) => line.startsWith('policy-wrap:'))).toEqual([]);
  });

  test('a member name with U+2028 in a refusal reason is escaped too', async () => {
    const h = relayHarness();
    h.client.send('{"jsonrpc":"2.0","id":2,"method":"ping","params":{"a\\u2028b":1,"a\\u2028b":2}}\n');
    await h.client.received.response(2);
    expect(linesAbout(h, 'appears twice')).toEqual([expect.stringContaining('"a\\u2028b"')]);
  });

  test('an id already in flight: the method and a 1 MiB id are shown escaped and cut short', async () => {
    const h = relayHarness();
    const id = `i${'d'.repeat(1024 * 1024)}`;
    h.client.send({ jsonrpc: '2.0', id, method: 'slow' });
    await h.server.received.next();
    h.client.send({ jsonrpc: '2.0', id, method: `again${FORGED}` });
    await h.client.received.find((message) => 'error' in message, 'the refusal');
    const [line] = linesAbout(h, 'already used');
    expect(line).toMatch(/^refused "again\\npolicy-wrap: policy reloaded from x": id "id+"… is already used/);
    expect(line!.length).toBeLessThan(400);
  });

  test('a timed-out call and a failing gate name the tool escaped; the error text stays on one line', async () => {
    const timing: Gate = { checkCall: () => ({ kind: 'forward', timeoutMs: 1000 }), filterToolsList: (list) => list };
    const timed = relayHarness({ gate: timing });
    timed.client.send(call(1, `hang\u2028${FORGED}`));
    await timed.server.received.next();
    timed.timers.fireAll();
    await timed.client.received.response(1);
    expect(linesAbout(timed, 'timed out')).toEqual(['"hang\\u2028\\npolicy-wrap: policy reloaded from x" (id 1) timed out after 1 s and was cancelled']);

    const failing: Gate = {
      checkCall: (toolCall) => {
        throw new Error(`cannot judge ${toolCall.name}`);
      },
      filterToolsList: (list) => list,
    };
    const failed = relayHarness({ gate: failing });
    failed.client.send(call(2, `t${FORGED}`));
    await failed.client.received.response(2);
    expect(linesAbout(failed, 'policy check failed')).toEqual([
      'policy check failed for "t\\npolicy-wrap: policy reloaded from x" (id 2), not forwarded: cannot judge t\\npolicy-wrap: policy reloaded from x',
    ]);
  });

  test('text the server prints on stdout with line-like characters is shown escaped, short or long', async () => {
    const h = relayHarness({ scanAboveBytes: 64 });
    h.client.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
    const ping = JSON.parse(await h.server.received.next()) as Message;
    h.server.send(`step 1\u2028policy-wrap: policy reloaded from x\u0085y\u2029z\n`);
    h.server.send(`${'.'.repeat(100)}\u2028policy-wrap: policy reloaded from x\n`);
    h.server.send({ jsonrpc: '2.0', id: ping.id, result: {} });
    await h.client.received.response('after');
    expect(linesAbout(h, 'server stdout')).toEqual([
      'server stdout (not JSON-RPC, not forwarded): "step 1\\u2028policy-wrap: policy reloaded from x\\u0085y\\u2029z"',
      `server stdout (not JSON-RPC, not forwarded): "${'.'.repeat(100)}\\u2028policy-wrap: policy reloaded from x"`,
    ]);
  });
});
