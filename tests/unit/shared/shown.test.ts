import { oneLine, prefixOf, shown } from '../../../src/shared/shown.js';

/** Every character some reader of a log ends a line at. */
const LINE_BOUNDARY = /[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;

describe('a supplied value shown in a log line', () => {
  test.each([
    ['a newline and a forged line', 'x\npolicy-wrap: policy reloaded from x', '"x\\npolicy-wrap: policy reloaded from x"'],
    ['a carriage return', 'a\rb', '"a\\rb"'],
    ['U+2028, U+2029, U+0085', 'a\u2028b\u2029c\u0085d', '"a\\u2028b\\u2029c\\u0085d"'],
    ['terminal controls, C0 and C1', 'a\u001b[2Jb\u009bc\u007f', '"a\\u001b[2Jb\\u009bc\\u007f"'],
    ['bidirectional controls', 'a\u202eb\u2066c', '"a\\u202eb\\u2066c"'],
    ['plain text and quotes', 'tools/call "x"', '"tools/call \\"x\\""'],
  ])('%s: its JSON form, on one line', (_name, value, expected) => {
    expect(shown(value)).toBe(expected);
    expect(shown(value)).not.toMatch(LINE_BOUNDARY);
    expect(JSON.parse(shown(value))).toBe(value);
  });

  test('ids and other values are shown as JSON', () => {
    expect([shown(1), shown(null), shown('1'), shown(undefined)]).toEqual(['1', 'null', '"1"', 'undefined']);
  });

  test('a long value is cut to its first characters and marked, never splitting a surrogate pair', () => {
    expect(shown('a'.repeat(1024 * 1024))).toBe(`"${'a'.repeat(200)}"…`);
    expect(shown('abcdef', 3)).toBe('"abc"…');
    expect(shown(`ab${'😀'}`, 3)).toBe('"ab"…');
    expect(prefixOf(`ab${'😀'}c`, 4)).toBe(`ab${'😀'}`);
  });

  test('composed text (an error message) stays unquoted but on one line, and is cut', () => {
    expect(oneLine('bad\nline\u2028here')).toBe('bad\\nline\\u2028here');
    expect(oneLine('tab\tstays')).toBe('tab\tstays');
    expect(oneLine('x'.repeat(5_000))).toBe(`${'x'.repeat(1_000)}…`);
  });
});
