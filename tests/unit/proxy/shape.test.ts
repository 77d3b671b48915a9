import { ShapeScanner, shapeOf } from '../../../src/proxy/shape.js';

const shape = (text: string) => shapeOf(Buffer.from(text, 'utf8'));

/** Fed in pieces of every size from 1 to 5 bytes: the answer must not depend on where pieces end. */
function inPieces(text: string, size: number) {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new ShapeScanner();
  for (let i = 0; i < bytes.length; i += size) scanner.feed(bytes.subarray(i, i + size));
  return scanner.finish();
}

describe('ShapeScanner', () => {
  test.each([
    ['flat', '{"a":1}', 1, false],
    ['nested, brackets in strings ignored', '{"a":[{"b":"[[[{{{"}],"c":"\\"]]"}', 3, false],
    ['non-ASCII text', '{"t":"é — “x” … \u2027"}', 1, false],
    ['raw \\r between tokens', '{"a":1,\r"b":2}', 1, true],
    ['U+2028 in a string', '{"t":"a\u2028b"}', 1, true],
    ['U+0085 in a string', '{"t":"a\u0085b"}', 1, true],
    ['a control byte in a string', '{"t":"a\u000bb"}', 1, true],
    ['\\x1c outside strings', '{"a":1}\u001c', 1, true],
    ['an escaped backslash before a quote', '{"t":"a\\\\","u":["{"]}', 2, false],
  ])('%s', (_name, text, depth, mayBreak) => {
    expect(shape(text)).toEqual({ depth, mayBreak });
    for (let size = 1; size <= 5; size += 1) expect(inPieces(text, size)).toEqual({ depth, mayBreak });
  });

  test('a trailing \\r the splitter drops is not a break', () => {
    const scanner = new ShapeScanner();
    scanner.feed(Buffer.from('{"a":1}\r'));
    expect(scanner.finish(7)).toEqual({ depth: 1, mayBreak: false });
  });

  test('finish starts the next line afresh', () => {
    const scanner = new ShapeScanner();
    scanner.feed(Buffer.from('{"a":"\u2028'));
    expect(scanner.finish().mayBreak).toBe(true);
    scanner.feed(Buffer.from('[[1]]'));
    expect(scanner.finish()).toEqual({ depth: 2, mayBreak: false });
  });
});
