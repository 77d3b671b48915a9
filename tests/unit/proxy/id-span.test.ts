import { trailingIdSpan } from '../../../src/proxy/envelope-tail.js';
import { idSpanOfLine, leadingIdSpan, replaceId, spliceId, textAt } from '../../../src/proxy/id-span.js';
import { relayHarness } from '../../support/relay-harness.js';

const at = (text: string, span: readonly [number, number] | undefined) => (span ? text.slice(span[0], span[1]) : undefined);

describe('finding the top-level id', () => {
  test.each([
    ['id first', '{"jsonrpc":"2.0","id":17,"result":{}}', '17'],
    ['id last', '{"result":{"id":1,"x":[{"id":2}]},"jsonrpc":"2.0","id":"s-1"}', '"s-1"'],
    ['spaces', '{ "id" : 5 , "result" : {} }', '5'],
    ['escaped name', '{"result":{},"\\u0069d":9}', '9'],
    ['ids inside strings and nested objects are not it', '{"a":"\\"id\\":3","b":{"id":4},"id":-2.5e3}', '-2.5e3'],
  ])('%s', (_name, text, expected) => {
    expect(at(text, leadingIdSpan(Buffer.from(text)))).toBe(expected);
    expect(at(text, idSpanOfLine(Buffer.from(text), text.length))).toBe(expected);
  });

  test('backwards from the end of a long line whose id comes after its large member', () => {
    const text = `{"result":{"content":[{"type":"text","text":"${'x\\"'.repeat(50_000)}"}]},"jsonrpc":"2.0","id":42,"z":{"a":[1]}}`;
    const tail = Buffer.from(text.slice(-100));
    expect(at(text.slice(-100), trailingIdSpan(tail))).toBe('42');
    const chunks = [Buffer.from(text.slice(0, 70_000)), Buffer.from(text.slice(70_000))];
    const span = idSpanOfLine(chunks, text.length);
    expect(textAt(chunks, span!)).toBe('42');
    expect(Buffer.concat(spliceId(chunks, span!, 'client-7')).toString()).toBe(text.replace('"id":42', '"id":"client-7"'));
  });

  test('replacing it changes no other byte', () => {
    const text = '{"jsonrpc":"2.0","id":3,"params":{"n":1.0,"big":12345678901234567890}}';
    expect(replaceId(Buffer.from(text), leadingIdSpan(Buffer.from(text))!, 'w').toString()).toBe(text.replace('"id":3', '"id":"w"'));
  });
});

describe('the server sees only ids the wrapper chose', () => {
  test('an answer to an id the wrapper never sent, or gave up on, reaches nobody', async () => {
    const h = relayHarness();
    h.client.send({ jsonrpc: '2.0', id: 'a', method: 'resources/list' });
    const asked = (await h.server.received.nextMessage()).id;
    expect(asked).not.toBe('a');
    h.server.send({ jsonrpc: '2.0', id: 'a', result: { forged: true } });
    h.server.send({ jsonrpc: '2.0', id: 999, result: { forged: true } });
    h.server.send({ jsonrpc: '2.0', id: asked, result: { resources: [] } });
    expect(await h.client.received.response('a')).toEqual({ jsonrpc: '2.0', id: 'a', result: { resources: [] } });
    await h.barrier();
    expect(h.client.received.messages().filter((m) => m.result?.forged)).toEqual([]);
    expect(h.logs.join('\n')).toMatch(/dropped the server's answer to id "a"/);
  });
});
