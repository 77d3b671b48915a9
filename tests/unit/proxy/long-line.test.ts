import { readTail } from '../../../src/proxy/envelope-tail.js';
import type { Envelope } from '../../../src/proxy/envelope.js';
import { LineSplitter } from '../../../src/proxy/framing.js';
import { expected } from './expected-envelope.js';

/** The envelope the splitter reads for a line long enough to be read from its two ends. */
function envelopeOf(line: string, chunkSize = 64 * 1024): Envelope {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  const splitter = new LineSplitter({ maxLineBytes: 64 * 1024 * 1024, scanAboveBytes: 1024 });
  const frames = [];
  for (let at = 0; at < bytes.length; at += chunkSize) frames.push(...splitter.push(bytes.subarray(at, at + chunkSize)));
  const [frame] = frames;
  if (frames.length !== 1 || frame?.kind !== 'scanned') throw new Error(`expected one scanned frame, got ${frames.length}`);
  return frame.envelope;
}

const big = (size: number): string => '{"ratingKey":"48213","title":"A \\"quoted\\" title","year":1973},'.repeat(Math.ceil(size / 64)).slice(0, size);

describe('the envelope of a long line, read from its two ends', () => {
  test('an SDK answer: result first, id last', () => {
    const message = { result: { content: [{ type: 'text', text: big(300_000) }], isError: true }, jsonrpc: '2.0', id: 'abc' };
    expect(envelopeOf(JSON.stringify(message))).toEqual(expected(message));
  });

  test('id first, result last, with an incomplete result type on either side of the large value', () => {
    const first = { jsonrpc: '2.0', id: 3, result: { resultType: 'incomplete', requestState: 's1', content: [{ type: 'text', text: big(200_000) }] } };
    const last = { jsonrpc: '2.0', id: 4, result: { content: [{ type: 'text', text: big(200_000) }], resultType: 'incomplete', requestState: 's2' } };
    expect(envelopeOf(JSON.stringify(first))).toEqual(expected(first));
    expect(envelopeOf(JSON.stringify(last))).toEqual(expected(last));
  });

  test('an error with large data, a request and a notification with large params', () => {
    const messages = [
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'no', data: big(150_000) } },
      { jsonrpc: '2.0', error: { data: [big(150_000)], code: -32001, message: 'no' }, id: 'e' },
      { params: { messages: [{ content: { text: big(150_000) } }] }, method: 'sampling/createMessage', jsonrpc: '2.0', id: 5 },
      { jsonrpc: '2.0', method: 'notifications/message', params: { data: big(150_000), level: 'info' } },
    ];
    for (const message of messages) expect(envelopeOf(JSON.stringify(message))).toEqual(expected(message));
  });

  test('a key given twice at the end counts as JSON.parse counts it: the last one', () => {
    const line = `{"result":{"text":${JSON.stringify(big(200_000))}},"jsonrpc":"2.0","id":1,"id":2}`;
    expect(envelopeOf(line)).toMatchObject({ wellFormed: true, id: 2 });
  });

  test('lines whose ends do not fit together are read in full', () => {
    const broken = `{"result":{"text":${JSON.stringify(big(200_000))}},"jsonrpc":"2.0","id":1`;
    expect(envelopeOf(broken)).toEqual({ wellFormed: false });
    const array = `[{"result":{"text":${JSON.stringify(big(200_000))}},"jsonrpc":"2.0","id":1}]`;
    expect(envelopeOf(array)).toEqual({ wellFormed: false });
    const manyMembers = JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));
    expect(envelopeOf(manyMembers)).toMatchObject({ wellFormed: true });
  });

  test('agrees with JSON.parse on random large messages, with text full of escapes, cut into random chunks', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', '"', '\\', '\\\\"', '{', '}', '[', ']', ',', ':', 'é', '😀', '\n', '"id":9', '\u0000'];
    const text = (length: number): string => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
    const small = (): unknown => [text(random(6)), random(1000) - 500, random(2) === 0, null, [text(3), { [text(2)]: 1 }]][random(5)];
    const members = (count: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: count }, () => [text(1 + random(4)), small()]));
    for (let i = 0; i < 60; i += 1) {
      const large = { type: 'text', text: text(40_000 + random(40_000)) };
      const inner: Record<string, unknown> = { ...members(random(3)), content: [large], ...members(random(3)) };
      if (random(2) === 0) inner.isError = random(2) === 0;
      if (random(3) === 0) Object.assign(inner, { resultType: 'incomplete', requestState: text(5) });
      const message: Record<string, unknown> = { ...members(random(3)) };
      if (random(2) === 0) Object.assign(message, { jsonrpc: '2.0', id: random(2) === 0 ? text(4) : random(100) });
      if (random(4) === 0) message.error = { ...inner, code: random(100) - 32700 };
      else message.result = inner;
      Object.assign(message, members(random(3)));
      if (random(2) === 0) Object.assign(message, { id: random(50), jsonrpc: '2.0' });
      const line = JSON.stringify(message);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect({ i, envelope: envelopeOf(line, 1 + random(70_000)) }).toEqual({ i, envelope: expected(parsed) });
    }
  });
});

describe('readTail', () => {
  const tail = (text: string): ReturnType<typeof readTail> => readTail(Buffer.from(text, 'utf8'));

  test('reads the members after the open one, and the last members inside it', () => {
    expect(tail('ext \\"x\\" y"}],"isError":true},"jsonrpc":"2.0","id":7}')).toEqual({
      members: new Map([
        ['id', '7'],
        ['jsonrpc', '"2.0"'],
      ]),
      closedInner: new Map(),
      bracket: '{',
      inner: new Map([['isError', 'true']]),
    });
  });

  test('a run of backslashes reaching the first byte read cannot be decided', () => {
    expect(tail('\\\\"},"id":1}')).toMatchObject({ bracket: '{', members: new Map([['id', '1']]) });
    expect(tail('\\"x"},"id":1}')).toMatchObject({ bracket: '{', inner: new Map() });
  });

  test('bytes that do not end an object, or an object seen whole, give nothing to join', () => {
    expect(tail('"abc"')).toBeUndefined();
    expect(tail('{"id":1}')).toBeUndefined();
    expect(tail('x"}],"id":}')).toBeUndefined();
  });
});
