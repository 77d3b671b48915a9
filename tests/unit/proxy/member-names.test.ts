import { foldName } from '../../../src/proxy/member-names.js';

describe('foldName', () => {
  // Go's encoding/json folds each rune as unicode.ToUpper(unicode.ToLower(r)); older versions used
  // the SimpleFold orbits. Every pair either confuses must fold alike here.
  test.each([
    ['name', 'NAME'],
    ['params', 'paramſ'],
    ['path', 'PATH'],
    ['key', '\u212aey'],
    ['straße', 'STRASSE'],
    ['\u00df', '\u1e9e'],
    ['\u00e5', '\u212b'],
    ['\u03c9', '\u2126'],
    ['\u03c3', '\u03c2'],
    ['\u03b8', '\u03d1'],
    ['\u03b2', '\u03d0'],
    ['\u00b5', '\u03bc'],
    ['\u0390', '\u1fd3'],
    ['\ufb05', '\ufb06'],
    ['\u13a0', '\uab70'],
    ['\ud800x', '\ufffdx'],
  ])('%s and %s fold alike', (a, b) => {
    expect(foldName(a)).toBe(foldName(b));
  });

  test('different names stay different', () => {
    expect(foldName('name')).not.toBe(foldName('names'));
    expect(foldName('path')).not.toBe(foldName('pa th'));
  });

  test('every code point folds like its own lower and upper case (no orbit split apart)', () => {
    const split: string[] = [];
    for (let code = 0x80; code < 0x20000; code += 1) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCodePoint(code);
      const folded = foldName(char);
      for (const other of [char.toLowerCase(), char.toUpperCase()]) {
        if ([...other].length === 1 && foldName(other) !== folded) split.push(`U+${code.toString(16)}`);
      }
    }
    expect(split).toEqual([]);
  });
});
