import { classifyLine, isBlank } from '../../../src/proxy/classify.js';

const classify = (text: string) => classifyLine(Buffer.from(text, 'utf8'));

describe('classifyLine', () => {
  test.each([
    ['request', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
    ['request', '{"jsonrpc":"2.0","id":0,"method":"ping"}'],
    ['request', '{"jsonrpc":"2.0","id":"","method":"ping"}'],
    ['notification', '{"jsonrpc":"2.0","method":"notifications/initialized"}'],
    ['response', '{"jsonrpc":"2.0","id":"s1","result":{}}'],
    ['response', '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}'],
  ])('%s: %s', (kind, text) => {
    expect(classify(text).kind).toBe(kind);
  });

  test('a line that is not JSON is a parse error answered with id null', () => {
    expect(classify('{"jsonrpc":"2.0","id":1,')).toMatchObject({ kind: 'invalid', code: -32700, answerIds: [null] });
  });

  test('bytes that are not UTF-8 are a parse error, not a guess', () => {
    const bytes = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/c'), Buffer.from([0xff]), Buffer.from('all"}')]);
    expect(classifyLine(bytes)).toMatchObject({ kind: 'invalid', code: -32700 });
  });

  test('a batch is refused; each request in it can be answered by its id', () => {
    const batch = '[{"jsonrpc":"2.0","id":0,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":"x","method":"b"}]';
    expect(classify(batch)).toMatchObject({ kind: 'invalid', code: -32600, answerIds: [0, 'x'] });
  });

  test.each([
    ['wrong version, id readable', '{"jsonrpc":"1.0","id":4,"method":"a"}', [4]],
    ['method not a string', '{"jsonrpc":"2.0","id":4,"method":5}', [4]],
    ['id of the wrong type', '{"jsonrpc":"2.0","id":{"a":1},"method":"a"}', [null]],
    ['id null on a request', '{"jsonrpc":"2.0","id":null,"method":"a"}', [null]],
    ['params a string', '{"jsonrpc":"2.0","id":4,"method":"a","params":"x"}', [4]],
    ['not an object', '42', []],
    ['neither kind', '{"jsonrpc":"2.0","id":4}', []],
    ['result and error', '{"jsonrpc":"2.0","id":4,"result":{},"error":{"code":1,"message":"m"}}', []],
    ['notification-like, no id', '{"jsonrpc":"1.0","method":"a"}', []],
  ])('invalid: %s', (_name, text, answerIds) => {
    expect(classify(text)).toMatchObject({ kind: 'invalid', code: -32600, answerIds });
  });
});

describe('isBlank', () => {
  test('spaces, tabs and a carriage return carry nothing', () => {
    expect(isBlank(Buffer.from(' \t\r'))).toBe(true);
    expect(isBlank(Buffer.from(''))).toBe(true);
    expect(isBlank(Buffer.from(' x'))).toBe(false);
  });
});
