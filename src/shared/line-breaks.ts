/**
 * Line boundaries other than `\n`. Readers of newline-delimited JSON do not agree on where a line
 * ends: Python's text streams also end one at a bare `\r`, `node:readline` and Java's `readLine`
 * too, `str.splitlines` also at `\v`, `\f`, `\x1c`–`\x1e`, U+0085, U+2028 and U+2029. A line the
 * wrapper writes carries none of them raw, so every reader sees it as one message.
 *
 * In a line that is valid JSON only four of them can occur: `\r` as whitespace between tokens (a
 * raw control character inside a string is not JSON), and U+0085, U+2028, U+2029 inside strings.
 * So such a line is made safe byte by byte, without re-encoding it: its `\r` bytes are dropped and
 * the three code points escaped. Numbers, member order and every other byte stay as they came.
 */

const CARRIAGE_RETURN = 0x0d;
/** UTF-8 of U+0085 is C2 85; of U+2028 and U+2029, E2 80 A8 and E2 80 A9. */
const NEXT_LINE = Buffer.from([0xc2, 0x85]);
const LINE_SEPARATOR = Buffer.from([0xe2, 0x80, 0xa8]);
const PARAGRAPH_SEPARATOR = Buffer.from([0xe2, 0x80, 0xa9]);

/** Whether a valid JSON line holds a line boundary other than `\n` (native searches only). */
export function hasLineBreaks(json: Buffer): boolean {
  return (
    json.indexOf(CARRIAGE_RETURN) !== -1 ||
    json.indexOf(NEXT_LINE) !== -1 ||
    json.indexOf(LINE_SEPARATOR) !== -1 ||
    json.indexOf(PARAGRAPH_SEPARATOR) !== -1
  );
}

/**
 * A valid JSON line with the same meaning and no line boundary but its `\n` end: `\r` dropped,
 * U+0085, U+2028 and U+2029 written as `\u` escapes. The same buffer when there is nothing to do.
 */
export function withoutLineBreaks(json: Buffer): Buffer {
  if (!hasLineBreaks(json)) return json;
  const pieces: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < json.length; i += 1) {
    const byte = json[i]!;
    let skip = 0;
    let escape: Buffer | undefined;
    if (byte === CARRIAGE_RETURN) skip = 1;
    else if (byte === 0xc2 && json[i + 1] === 0x85) [skip, escape] = [2, ESCAPED_NEXT_LINE];
    else if (byte === 0xe2 && json[i + 1] === 0x80 && json[i + 2] === 0xa8) [skip, escape] = [3, ESCAPED_LINE_SEPARATOR];
    else if (byte === 0xe2 && json[i + 1] === 0x80 && json[i + 2] === 0xa9) [skip, escape] = [3, ESCAPED_PARAGRAPH_SEPARATOR];
    if (skip === 0) continue;
    pieces.push(json.subarray(from, i));
    if (escape) pieces.push(escape);
    i += skip - 1;
    from = i + 1;
  }
  pieces.push(json.subarray(from));
  return Buffer.concat(pieces);
}

const ESCAPED_NEXT_LINE = Buffer.from('\\u0085');
const ESCAPED_LINE_SEPARATOR = Buffer.from('\\u2028');
const ESCAPED_PARAGRAPH_SEPARATOR = Buffer.from('\\u2029');

/** JSON.stringify escapes every control character, `\r` included, but leaves these three raw. */
const RAW_IN_STRINGIFIED = /[\u0085\u2028\u2029]/;
const ALL_RAW_IN_STRINGIFIED = /[\u0085\u2028\u2029]/g;

/**
 * withoutLineBreaks for the text JSON.stringify returned, before it is encoded: the same text
 * when it holds none (the usual case, one native search).
 */
export function stringifiedWithoutLineBreaks(json: string): string {
  if (!RAW_IN_STRINGIFIED.test(json)) return json;
  return json.replace(ALL_RAW_IN_STRINGIFIED, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
