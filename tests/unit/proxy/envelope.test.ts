import { EnvelopeScanner, type Envelope } from '../../../src/proxy/envelope.js';
import { expected } from './expected-envelope.js';

/** The envelope of a whole line already in memory. */
function scanEnvelope(bytes: Buffer): Envelope {
  const scanner = new EnvelopeScanner();
  scanner.feed(bytes);
  return scanner.finish();
}

const scan = (text: string): Envelope => scanEnvelope(Buffer.from(text, 'utf8'));

function scanInPieces(text: string, sizes: number[]): Envelope {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new EnvelopeScanner();
  let at = 0;
  for (let i = 0; at < bytes.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    scanner.feed(bytes.subarray(at, at + size));
    at += size;
  }
  return scanner.finish();
}

describe('scanEnvelope', () => {
  test('reads id, method and kind of a request', () => {
    expect(scan('{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"x"}}')).toEqual(
      expected({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'x' } }),
    );
  });

  test('finds the id after a large result (the SDK writes result first)', () => {
    const text = JSON.stringify({ result: { content: [{ type: 'text', text: 'a"}{,\\'.repeat(1000) }], isError: true }, jsonrpc: '2.0', id: 'abc' });
    expect(scan(text)).toMatchObject({ wellFormed: true, id: 'abc', hasResult: true, resultIsError: true });
  });

  test('ids nested deeper are not the id', () => {
    expect(scan('{"jsonrpc":"2.0","result":{"id":5,"x":[{"id":6}]},"id":7}')).toMatchObject({ id: 7 });
    expect(scan('{"jsonrpc":"2.0","result":{"id":5}}')).toMatchObject({ id: undefined });
  });

  test('an escaped key is the key it decodes to; the last duplicate wins, as in JSON.parse', () => {
    expect(scan('{"jsonrpc":"2.0","\\u0069d":1,"method":"a","method":"b"}')).toMatchObject({
      id: 1,
      method: 'b',
    });
  });

  test('a string ending in an escaped backslash closes', () => {
    expect(scan('{"a":"\\\\","id":2}')).toMatchObject({ wellFormed: true, id: 2 });
    expect(scan('{"a":"\\"","id":2}')).toMatchObject({ wellFormed: true, id: 2 });
  });

  test('runs of backslashes before a quote, cut anywhere', () => {
    for (const run of [1, 2, 3, 4, 7, 8]) {
      const text = JSON.stringify({ a: `${'\\'.repeat(run)}"${'\\'.repeat(run)}`, id: run });
      for (const size of [1, 2, 3, 5]) expect(scanInPieces(text, [size])).toMatchObject({ wellFormed: true, id: run });
    }
  });

  test('a text holding JSON (many escaped quotes and backslashes), then more members, cut anywhere', () => {
    const inner = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ title: `t"${i}\\`, path: 'a\\b' })) });
    const message = { jsonrpc: '2.0', result: { content: [{ type: 'text', text: inner }, { type: 'text', text: 'plain "id":9' }], isError: true }, id: 'x"1' };
    const text = JSON.stringify(message);
    for (const size of [1, 2, 3, 4, 5, 7, 64, text.length]) expect(scanInPieces(text, [size])).toEqual(expected(message));
  });

  test('an id that is not a string, number or null is unreadable', () => {
    expect(scan('{"id":{"a":1}}')).toMatchObject({ id: 'unreadable' });
    expect(scan('{"id":[1]}')).toMatchObject({ id: 'unreadable' });
    expect(scan('{"id":true}')).toMatchObject({ id: 'unreadable' });
    expect(scan('{"id":null,"error":{"code":-32700,"message":"x"}}')).toMatchObject({ id: null, errorCode: -32700 });
  });

  test.each([
    ['an array', '[{"id":1}]'],
    ['two objects', '{"id":1}{"id":2}'],
    ['text before', 'x{"id":1}'],
    ['text after', '{"id":1} x'],
    ['an unclosed string', '{"id":"1}'],
    ['unbalanced', '{"a":[1}'],
    ['unclosed', '{"a":{"b":1}'],
    ['plain text', 'Fetching Plex watched movies...'],
    ['empty', ''],
  ])('%s is not well formed', (_name, text) => {
    expect(scan(text)).toEqual({ wellFormed: false });
  });

  test('whitespace around the object is fine', () => {
    expect(scan(' \t{"id":1}\r\n ')).toMatchObject({ wellFormed: true, id: 1 });
  });

  test('agrees with JSON.parse on random messages cut into random pieces', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', '"', '\\', '{', '}', '[', ']', ',', ':', 'é', '😀', '\n', 'id', '\u0000'];
    const text = (): string => Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
    const value = (depth: number): unknown => {
      switch (random(depth > 2 ? 4 : 6)) {
        case 0:
          return text();
        case 1:
          return random(1000) - 500;
        case 2:
          return random(2) === 0;
        case 3:
          return null;
        case 4:
          return Array.from({ length: random(4) }, () => value(depth + 1));
        default:
          return Object.fromEntries(Array.from({ length: random(4) }, () => [text(), value(depth + 1)]));
      }
    };
    for (let i = 0; i < 300; i += 1) {
      const message: Record<string, unknown> = { [text()]: value(1), jsonrpc: '2.0' };
      if (random(3) > 0) message.id = random(2) === 0 ? text() : random(100);
      if (random(2) === 0) message.method = text();
      if (random(2) === 0) {
        message.result = { isError: random(2) === 0, content: value(1), ...(random(2) === 0 ? { resultType: 'incomplete', requestState: text() } : {}) };
      }
      else if (random(2) === 0) message.error = { code: random(100) - 32700, message: text() };
      message[text()] = value(1);
      const json = JSON.stringify(message);
      const parsed = JSON.parse(json) as Record<string, unknown>;
      const pieces = [1 + random(7), 1 + random(30), 1 + random(3)];
      expect(scanInPieces(json, pieces)).toEqual(expected(parsed));
    }
  });
});
