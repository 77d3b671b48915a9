import { createHash } from 'node:crypto';
import { CHAIN_START, ChainChecker, chainedLine, linkAfter } from '../../../src/audit/chain.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A chained log of `count` records, as lines with their `\n`. */
function log(count: number): string[] {
  let prev = CHAIN_START;
  return Array.from({ length: count }, (_, n) => {
    const line = chainedLine(JSON.stringify({ n }), prev);
    prev = linkAfter(line);
    return line;
  });
}

/** The first break ChainChecker finds in `lines` (each ending in `\n` but maybe the last). */
function firstBreak(lines: readonly string[]) {
  const checker = new ChainChecker();
  for (const line of lines) {
    const ended = line.endsWith('\n');
    const broken = checker.check(Buffer.from(ended ? line.slice(0, -1) : line), ended);
    if (broken) return broken;
  }
  return { ok: checker.count, head: checker.head };
}

describe('the audit chain', () => {
  test('prev is the SHA-256 of the previous line with its \\n, the first of the empty string, and goes last', () => {
    expect(CHAIN_START).toBe(sha256(''));
    const [first, second] = log(2);
    expect(first).toBe(`{"n":0,"prev":"${sha256('')}"}\n`);
    expect(second).toBe(`{"n":1,"prev":"${sha256(first as string)}"}\n`);
    expect(chainedLine('{}', CHAIN_START)).toBe(`{"prev":"${CHAIN_START}"}\n`);
  });

  test('an intact log checks out: its count, and its head is the link after its last line', () => {
    const lines = log(5);
    expect(firstBreak(lines)).toEqual({ ok: 5, head: sha256(lines[4] as string) });
    expect(firstBreak([])).toEqual({ ok: 0, head: CHAIN_START });
  });

  test('an edited line breaks the link of the line after it, which names it', () => {
    const lines = log(5);
    lines[2] = (lines[2] as string).replace('"n":2', '"n":7');
    expect(firstBreak(lines)).toEqual({ line: 4, message: expect.stringMatching(/does not match line 3: line 3 was changed/) });
  });

  test('a deleted line is found where it was', () => {
    const lines = log(5);
    lines.splice(2, 1);
    expect(firstBreak(lines)).toMatchObject({ line: 3 });
  });

  test('a line inserted is found at itself', () => {
    const lines = log(5);
    lines.splice(2, 0, chainedLine('{"n":9}', CHAIN_START));
    expect(firstBreak(lines)).toMatchObject({ line: 3 });
  });

  test('two lines swapped are found at the first of them', () => {
    const lines = log(5);
    [lines[1], lines[2]] = [lines[2] as string, lines[1] as string];
    expect(firstBreak(lines)).toMatchObject({ line: 2 });
  });

  test('the first line removed: the new first line does not link to the start', () => {
    expect(firstBreak(log(3).slice(1))).toEqual({ line: 1, message: expect.stringMatching(/first line/) });
  });

  test.each([
    ['not JSON', 'hello\n'],
    ['JSON without prev', '{"n":1}\n'],
    ['JSON that is not an object', '[1]\n'],
    ['prev that is not a string', '{"prev":1}\n'],
  ])('a line that is %s is broken at itself', (_name, bad) => {
    const lines = log(3);
    lines.splice(1, 0, bad);
    expect(firstBreak(lines)).toEqual({ line: 2, message: expect.stringMatching(/not an audit record/) });
  });

  test('a last line without its \\n is broken, even when it is whole JSON', () => {
    const lines = log(3);
    lines[2] = (lines[2] as string).slice(0, -1);
    expect(firstBreak(lines)).toEqual({ line: 3, message: expect.stringMatching(/no line end/) });
  });

  test('the exact bytes count: a \\r before the \\n breaks the next link', () => {
    const lines = log(3);
    lines[0] = (lines[0] as string).replace('}\n', '}\r\n');
    expect(firstBreak(lines)).toMatchObject({ line: 2 });
  });
});
