import { checkClientLine } from '../../../src/proxy/client-line.js';
import { replaceId } from '../../../src/proxy/id-span.js';
import { MAX_NESTING_DEPTH } from '../../../src/proxy/nesting.js';

const check = (text: string) => checkClientLine(Buffer.from(text, 'utf8'));

describe('checkClientLine: member names', () => {
  test('ordinary messages pass', () => {
    expect(check('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":{"y":[{"z":1}]},"X2":2}}}').refusal).toBeUndefined();
  });

  test.each([
    ['exact, top level', '{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"ping"}', /"method" appears twice/],
    ['escaped spelling', '{"jsonrpc":"2.0","id":1,"method":"a","m\\u0065thod":"b"}', /"method" appears twice/],
    ['exact, in arguments', '{"params":{"arguments":{"path":"a","path":"b"}}}', /"path" appears twice/],
    ['case, in arguments', '{"params":{"arguments":{"path":"/srv/a","PATH":"/etc/shadow"}}}', /"path" and "PATH"/],
    ['Unicode fold, deep', '{"a":[[{"k":{"key":1,"\u212aey":2}}]]}', /"key" and "\u212aey"/],
    ['case, in params', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"allowed_tool","NAME":"denied_tool"}}', /"NAME" is "name"/],
    ['lone variant of method', '{"jsonrpc":"2.0","id":1,"Method":"tools/call"}', /"Method" is "method"/],
    ['long s in params', '{"jsonrpc":"2.0","id":1,"method":"ping","paramſ":{}}', /"paramſ" is "params"/],
    ['variant of arguments', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","Arguments":{}}}', /"Arguments" is "arguments"/],
  ])('refused: %s', (_name, text, reason) => {
    expect(check(text).refusal).toMatch(reason);
  });

  test('names inside strings, escaped quotes and backslashes are not members', () => {
    expect(check('{"a":"\\"a\\":1,\\"a\\":2","b\\\\":"x\\\\","c":["a","a"]}').refusal).toBeUndefined();
    expect(check('{"a\\"":1,"a\\"":2}').refusal).toMatch(/appears twice/);
  });

  test('a name below params that is not params itself may differ in case', () => {
    expect(check('{"params":{"arguments":{"NAME":1,"Task":2}}}').refusal).toBeUndefined();
  });
});

describe('checkClientLine: nesting', () => {
  const nested = (depth: number) => `{"id":1,"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  test(`up to ${MAX_NESTING_DEPTH} levels pass; deeper is refused, and the id is still read`, () => {
    expect(check(nested(MAX_NESTING_DEPTH)).refusal).toBeUndefined();
    expect(check(nested(MAX_NESTING_DEPTH + 1)).refusal).toMatch(/deeper than 128/);
    const deep = check(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)},"id":9007199254740993}`);
    expect(deep.refusal).toMatch(/deeper/);
    expect(deep.idText).toBe('9007199254740993');
  });
});

describe('checkClientLine: numbers and ids', () => {
  test('the first number judged differently from how an exact reader reads it', () => {
    expect(check('{"a":[1,2.5,1e300,-0.0,123456789012345]}').numberProblem).toBeUndefined();
    expect(check('{"a":{"b":1234567890123456789}}').numberProblem).toMatch(/1234567890123456789/);
    expect(check('{"a":1e400}').numberProblem).toMatch(/too large/);
    expect(check('{"a":"1e400"}').numberProblem).toBeUndefined();
  });

  test('the id as written and where it is', () => {
    const text = '{"jsonrpc":"2.0","id" : 9007199254740993,"method":"ping","params":{"id":5}}';
    const result = check(text);
    expect(result.idText).toBe('9007199254740993');
    expect(replaceId(Buffer.from(text), result.idSpan!, 'w-1').toString()).toBe(
      '{"jsonrpc":"2.0","id" : "w-1","method":"ping","params":{"id":5}}',
    );
    const stringId = check('{"id":"a\\"b","method":"ping"}');
    expect(stringId.idText).toBeUndefined();
    expect(replaceId(Buffer.from('{"id":"a\\"b","method":"ping"}'), stringId.idSpan!, 7).toString()).toBe('{"id":7,"method":"ping"}');
  });
});
