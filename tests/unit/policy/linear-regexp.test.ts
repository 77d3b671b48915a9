import { Ajv2020 } from 'ajv/dist/2020.js';
import { LinearRegExp, linearRegExp, UnsupportedPatternError } from '../../../src/policy/linear-regexp.js';
import { seededRandom } from '../../support/random.js';

const SEED = Number(process.env.LINEAR_REGEXP_SEED ?? 20260417);

/** Patterns and inputs on which the linear-time engine must answer exactly as JavaScript does. */
const samePatterns: Array<[pattern: string, inputs: string[]]> = [
  ['^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', ['library_section-42', '-x', '', 'a'.repeat(64), 'a'.repeat(65), 'é']],
  ['^\\S+$', ['abc', 'a b', 'a\u00a0b', 'a\u2028b', 'a\ufeffb', 'a\vb', 'a\u3000b', '😀', '\ud800']],
  ['^[^\\s]+$', ['abc', 'a\u00a0b', 'a\u202fb', 'a\tb']],
  ['^\\s*$', ['', ' \t\n', '\u00a0\u1680\u2000\u200a', '\u200b']],
  ['^[\\S]$', [' ', 'x', '\u2029', '\u{10ffff}']],
  ['^[\\s\\d]+$', ['1 2', '1\u00a02', 'x']],
  ['^.$', ['a', '\n', '\r', '\u2028', '\u2029', '😀', '\ud800']],
  ['^[.]$', ['.', 'x']],
  ['^a.c$', ['abc', 'a\rc', 'a\nc']],
  ['^[\\b]$', ['\b', 'b']],
  ['\\bfoo\\b', ['a foo', 'afoo', 'foo_', 'é foo']],
  ['^\\w+$', ['abc_1', 'é']],
  ['^\\d+$', ['123', '٣']],
  ['^\\u00e9$', ['é', 'e']],
  ['^\\ud83d\\ude00$', ['😀', '\ud83d\ude00x']],
  ['^[\\ud83d\\ude00]$', ['😀', '\ud83d']],
  ['^\\u{1F600}+$', ['😀😀', '😀a']],
  ['^😀+$', ['😀😀', '\ud83d']],
  ['^[😀-😂]$', ['😁', '😃']],
  ['^\\ud800$', ['\ud800', '😀']],
  ['^\\x41\\cJ\\0$', ['A\n\0', 'A\n0']],
  ['^[]$', ['', 'a']],
  ['^[^]$', ['a', '\n', '😀']],
  ['[]|a', ['a', 'b']],
  ['^[[:alpha:]$', ['[', ':', 'a', 'b']],
  ['^[\\]\\-^]+$', [']-^', 'x']],
  ['^\\/[^/]+\\/?$', ['/a', '/a/', 'a']],
  ['^(?<year>\\d{4})-(?:\\d{2})$', ['2024-01', '24-01']],
  ['^\\p{Lu}\\p{L}*$', ['Élan', 'élan']],
  ['^\\P{L}+$', ['123', 'a1']],
  ['a$', ['a', 'a\n']],
  ['^a', ['a', '\na']],
  ['^(a|aa)+$', ['aaaa', 'aab']],
  ['^$', ['', 'x']],
  ['', ['', 'x']],
  ['(?:)', ['x']],
  ['^a{2,3}?b*?$', ['aab', 'ab']],
  ['colou?r', ['color', 'colour', 'colr']],
];

describe('LinearRegExp', () => {
  test.each(samePatterns)('%j answers as JavaScript does', (pattern, inputs) => {
    const linear = new LinearRegExp(pattern, 'u');
    const native = new RegExp(pattern, 'u');
    for (const input of inputs) expect([input, linear.test(input)]).toEqual([input, native.test(input)]);
  });

  test(`random patterns answer as JavaScript does (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const atoms = ['a', 'b', '.', '\\s', '\\S', '\\d', '\\w', '\\W', '[ab]', '[^a]', '[\\s]', '[\\S]', '[^\\s]', '[\\s\\w]', '\\u00a0', '\\u{1F600}', '😀', '[]', '[^]', '[.]', '[\\b]', '\\n', '\\p{L}', '\\P{L}', '[^\\S]', '\\v', '\\t', '\\cJ', '[\\u2028-\\u2029]', '\\r', '\\D', '[\\W]'];
    // Not \\B: V8 also tries it between the two halves of a surrogate pair, where it holds.
    const assertions = ['', '', '^', '$', '\\b'];
    const quantifiers = ['', '', '*', '+', '?', '{2}', '{1,2}', '*?'];
    const piece = (depth: number): string => {
      const inner = depth > 0 && random() < 0.3 ? `(?:${sequence(depth - 1)}|${sequence(depth - 1)})` : pick(atoms);
      return `${pick(assertions)}${inner}${pick(quantifiers)}`;
    };
    const sequence = (depth: number): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => piece(depth)).join('');
    const characters = ['a', 'b', ' ', '\u00a0', '\n', '\r', '\u2028', '1', '_', '😀', '\ud800', '\b', '\t', 'é', 'A', '\v', '\u0085', 'z', '-'];
    for (let round = 0; round < 1500; round++) {
      const pattern = `${random() < 0.5 ? '^' : ''}${sequence(2)}${random() < 0.5 ? '$' : ''}`;
      const linear = new LinearRegExp(pattern, 'u');
      const native = new RegExp(pattern, 'u');
      for (let n = 0; n < 8; n++) {
        const input = Array.from({ length: Math.floor(random() * 6) }, () => pick(characters)).join('');
        expect([pattern, input, linear.test(input)]).toEqual([pattern, input, native.test(input)]);
      }
    }
  });

  test('^(a|aa)+$ is answered at once, however long the input', () => {
    const pattern = new LinearRegExp('^(a|aa)+$', 'u');
    expect(pattern.test(`${'a'.repeat(41)}b`)).toBe(false);
    expect(pattern.test(`${'a'.repeat(100_000)}b`)).toBe(false);
    expect(pattern.test('a'.repeat(100_000))).toBe(true);
    expect(new LinearRegExp('^(\\w+\\s?)*$', 'u').test(`${'word '.repeat(20_000)}!`)).toBe(false);
  });

  test.each([
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /backreference/],
    ['(a)(a)(a)(a)(a)(a)(a)(a)(a)\\9', /backreference/],
    ['^(?=a)a', /lookahead/],
    ['^(?!b)a', /lookahead/],
    ['[(?=]x(?!y)', /lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
    ['a{1001}', /RE2.*repeat count/],
    ['\\p{Script=Greek}', /RE2/],
  ])('%j is valid JavaScript that linear-time matching cannot run', (pattern, why) => {
    expect(() => new RegExp(pattern, 'u')).not.toThrow();
    let error: unknown;
    try {
      new LinearRegExp(pattern, 'u');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UnsupportedPatternError);
    expect((error as UnsupportedPatternError).pattern).toBe(pattern);
    expect((error as Error).message).toMatch(why);
  });

  test('escaped look-alikes are not lookaround or backreferences', () => {
    expect(new LinearRegExp('^\\(\\?=a\\)$', 'u').test('(?=a)')).toBe(true);
    expect(new LinearRegExp('^[(?<=]+\\\\1$', 'u').test('(?<=\\1')).toBe(true);
  });

  test.each(['(unclosed', '(?i)a', '\\Qa.b\\E', 'a{,3}', '[[:alpha:]]', '\\z'])('%j is not JavaScript: the SyntaxError of JavaScript', (pattern) => {
    expect(() => new LinearRegExp(pattern, 'u')).toThrow(SyntaxError);
    expect(() => new LinearRegExp(pattern, 'u')).toThrow(/Invalid regular expression/);
  });

  test('Ajv keeps distinct patterns of one schema apart', () => {
    const ajv = new Ajv2020({ code: { regExp: linearRegExp }, allErrors: true, logger: false });
    const validate = ajv.compile({
      type: 'object',
      properties: { a: { pattern: '^a+$' }, b: { pattern: '^b+$' } },
      patternProperties: { '^x-': { type: 'integer' } },
    });
    expect(validate({ a: 'aa', b: 'bb', 'x-n': 1 })).toBe(true);
    expect(validate({ a: 'bb' })).toBe(false);
    expect(validate({ b: 'aa' })).toBe(false);
    expect(validate({ 'x-n': 'one' })).toBe(false);
  });
});

describe('linearRegExp (the factory Ajv calls)', () => {
  test('a pattern is compiled once: its every use gets the same matcher', () => {
    const first = linearRegExp('^(0|[1-9][0-9]*)$', 'u');
    expect(linearRegExp('^(0|[1-9][0-9]*)$', 'u')).toBe(first);
    expect(linearRegExp('^[0-9]+$', 'u')).not.toBe(first);
    expect([first.test('42'), first.test('042')]).toEqual([true, false]);
  });

  test('a pattern that cannot be compiled throws at each use, and is not kept', () => {
    expect(() => linearRegExp('(a)\\1', 'u')).toThrow(UnsupportedPatternError);
    expect(() => linearRegExp('(a)\\1', 'u')).toThrow(UnsupportedPatternError);
  });
});
