import { hasLineBreaks, withoutLineBreaks } from '../../../src/proxy/line-breaks.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('withoutLineBreaks', () => {
  test('a line with no boundary but \\n is the same buffer', () => {
    const line = bytes('{"a":"é — “quoted” …","b":[1,2]}');
    expect(hasLineBreaks(line)).toBe(false);
    expect(withoutLineBreaks(line)).toBe(line);
  });

  test('a raw \\r between tokens is dropped; the value is unchanged', () => {
    const text = '{"jsonrpc":"2.0","id":"p1","method":"ping","params":{"x":\r{"a":1}\r}}';
    const out = withoutLineBreaks(bytes(text)).toString('utf8');
    expect(out).toBe('{"jsonrpc":"2.0","id":"p1","method":"ping","params":{"x":{"a":1}}}');
    expect(JSON.parse(out)).toEqual(JSON.parse(text));
  });

  test('U+0085, U+2028 and U+2029 inside strings are escaped; the value is unchanged', () => {
    const text = '{"t":"a\u2028b\u2029c\u0085d","k\u2028":1.50}';
    const out = withoutLineBreaks(bytes(text)).toString('utf8');
    expect(out).toBe('{"t":"a\\u2028b\\u2029c\\u0085d","k\\u2028":1.50}');
    expect(JSON.parse(out)).toEqual(JSON.parse(text));
  });

  test('other characters sharing a lead byte are left alone', () => {
    const text = '{"t":"\u2026\u2019\u00e9\u0080\u2027\u202a"}';
    expect(withoutLineBreaks(bytes(text)).toString('utf8')).toBe(text);
  });
});
