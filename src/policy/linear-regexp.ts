import type { CodeOptions } from 'ajv';
import type { RE2JS } from 're2js';
import { re2js } from './re2.js';

/**
 * JSON Schema patterns on a linear-time engine (RE2, through re2js) instead of V8's backtracking
 * one, where `^(a|aa)+$` against 41 characters takes seconds and each more character 1.6 times as
 * long. A pattern must be valid JavaScript (ECMA-262, Unicode mode), as JSON Schema says, and keeps
 * its JavaScript meaning: the few constructs RE2 reads differently (`\s`, `.`, `[\b]`,
 * `\uD83D\uDE00`, `[]`) are rewritten. What RE2 cannot run at all — backreferences, lookaround, a
 * repetition count over 1000 — is an UnsupportedPatternError, never a fall back to backtracking.
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  private readonly compiled: RE2JS;

  constructor(pattern: string, flags = 'u') {
    if (flags !== 'u') throw new Error(`patterns are compiled in Unicode mode only, not with flags "${flags}"`);
    new RegExp(pattern, flags); // JavaScript's syntax is the contract: throws its SyntaxError
    const translated = toRe2Syntax(pattern);
    const { RE2JS, RE2JSException } = re2js();
    try {
      this.compiled = RE2JS.compile(translated);
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      throw new UnsupportedPatternError(pattern, `is beyond what linear-time matching (RE2) can run: ${error.message.replace(/^error parsing regexp: /, '')}`);
    }
    this.source = pattern;
    this.flags = flags;
  }

  test(input: string): boolean {
    return this.compiled.test(input);
  }

  /** Ajv shares compiled patterns by this key: it must differ for different patterns. */
  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

/** Compiled patterns by flags and source: they never change once made. */
const compiledPatterns = new Map<string, LinearRegExp>();
/** Servers advertise schemas too, and may change them at will: the cache starts over past this many. */
const MAX_COMPILED_PATTERNS = 1000;

/**
 * For Ajv's `code: { regExp }` option. Ajv makes a pattern's matcher at every use of it before it
 * finds the one it already has (the Plex example policy uses one pattern 27 times); RE2 compiles
 * each only once here.
 */
export const linearRegExp: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string, flags: string) => {
    const key = `${flags}/${pattern}`;
    let compiled = compiledPatterns.get(key);
    if (compiled === undefined) {
      compiled = new LinearRegExp(pattern, flags);
      if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
      compiledPatterns.set(key, compiled);
    }
    return compiled;
  },
  { code: 'linearRegExp' },
);

/** A valid JavaScript pattern that linear-time matching cannot run. */
export class UnsupportedPatternError extends Error {
  readonly pattern: string;

  constructor(pattern: string, why: string) {
    super(`${JSON.stringify(pattern)} ${why}`);
    this.name = 'UnsupportedPatternError';
    this.pattern = pattern;
  }
}

/** JavaScript's `\s`: WhiteSpace and LineTerminator of ECMA-262 (RE2's `\s` is ASCII only). */
const space = '\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** Its complement as ranges, so that `\S` can stand inside a class too. */
const notSpace =
  '\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{9f}\\x{a1}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}\\x{202a}-\\x{202e}' +
  '\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{fefe}\\x{ff00}-\\x{10ffff}';
/** JavaScript's `.`: anything but a line terminator (RE2's excludes only `\n`). */
const dot = '[^\\n\\r\\x{2028}\\x{2029}]';

const backreference = 'uses a backreference, which linear-time matching (RE2) cannot run';
const lookaround = (kind: string): string => `uses a ${kind}, which linear-time matching (RE2) cannot run`;

/** Rewrites a pattern already valid in JavaScript's Unicode mode into RE2's syntax, same meaning. */
function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    if (char === '\\') {
      const escape = readEscape(pattern, i, inClass);
      out += escape.text;
      i = escape.end;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char === '[' ? '\\[' : char; // a literal in JavaScript; RE2 would read `[:alpha:]`
      i += 1;
    } else if (pattern.startsWith('[]', i)) {
      out += '[^\\x{0}-\\x{10ffff}]';
      i += 2;
    } else if (pattern.startsWith('[^]', i)) {
      out += '[\\x{0}-\\x{10ffff}]';
      i += 3;
    } else if (char === '[') {
      inClass = true;
      const negated = pattern[i + 1] === '^';
      out += negated ? '[^' : '[';
      i += negated ? 2 : 1;
    } else if (char === '.') {
      out += dot;
      i += 1;
    } else if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i)) {
      throw new UnsupportedPatternError(pattern, lookaround('lookahead'));
    } else if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) {
      throw new UnsupportedPatternError(pattern, lookaround('lookbehind'));
    } else if (pattern.startsWith('(?<', i)) {
      out += '(?P<';
      i += 3;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

/** The escape starting at `start` (a backslash) in RE2's syntax, and where it ends. */
function readEscape(pattern: string, start: number, inClass: boolean): { text: string; end: number } {
  const letter = pattern[start + 1] ?? '';
  const after = start + 2;
  if (letter === 's') return { text: inClass ? space : `[${space}]`, end: after };
  if (letter === 'S') return { text: inClass ? notSpace : `[${notSpace}]`, end: after };
  if (letter === 'b' && inClass) return { text: '\\x{8}', end: after };
  if (letter === '0') return { text: '\\x{0}', end: after };
  if (letter === 'k' || /[1-9]/.test(letter)) throw new UnsupportedPatternError(pattern, backreference);
  if (letter === 'c') return { text: codePoint((pattern.charCodeAt(after) as number) % 32), end: after + 1 };
  if (letter === 'u' && pattern[after] === '{') {
    const close = pattern.indexOf('}', after);
    return { text: codePoint(Number.parseInt(pattern.slice(after + 1, close), 16)), end: close + 1 };
  }
  if (letter === 'u') {
    const unit = Number.parseInt(pattern.slice(after, after + 4), 16);
    const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(pattern.slice(after + 4, after + 10));
    if (unit >= 0xd800 && unit <= 0xdbff && low) {
      // A surrogate pair written as two escapes is one code point in Unicode mode.
      return { text: codePoint(0x10000 + (unit - 0xd800) * 0x400 + (Number.parseInt(low[1] as string, 16) - 0xdc00)), end: after + 10 };
    }
    return { text: codePoint(unit), end: after + 4 };
  }
  return { text: `\\${letter}`, end: after };
}

function codePoint(value: number): string {
  return `\\x{${value.toString(16)}}`;
}
