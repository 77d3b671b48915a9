/**
 * Tool-name patterns. The whole name must match:
 *   *       any run of characters, also none
 *   ?       exactly one character
 *   [abc]   one character of the set; ranges `[a-z]`; `[!abc]` one character not in the set
 *   \x      the character x itself, for x one of * ? [ \ (inside a set: ] \ - !)
 * Everything else stands for itself. A key without an unescaped wildcard is an exact name.
 * Characters are Unicode code points.
 */

export type GlobToken =
  | { kind: 'literal'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; ranges: ReadonlyArray<readonly [number, number]> };

export interface Glob {
  readonly source: string;
  readonly tokens: readonly GlobToken[];
  /** The name it stands for when it has no wildcard. */
  readonly exact: string | undefined;
  /** Characters that must appear as written (escaped ones included). */
  readonly literals: number;
  /** `*`, `?` and sets. */
  readonly wildcards: number;
}

export class GlobSyntaxError extends Error {
  /** Index (in code points) of the offending character in the pattern. */
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.name = 'GlobSyntaxError';
    this.index = index;
  }
}

const escapableOutside = new Set(['*', '?', '[', '\\']);
const escapableInside = new Set([']', '\\', '-', '!']);

export function parseGlob(source: string): Glob {
  const chars = Array.from(source);
  const tokens: GlobToken[] = [];
  let index = 0;
  while (index < chars.length) {
    const char = chars[index] as string;
    if (char === '*') {
      tokens.push({ kind: 'star' });
      index += 1;
    } else if (char === '?') {
      tokens.push({ kind: 'any' });
      index += 1;
    } else if (char === '\\') {
      const next = chars[index + 1];
      if (next === undefined) throw new GlobSyntaxError('a pattern cannot end with "\\"', index);
      if (!escapableOutside.has(next)) {
        throw new GlobSyntaxError(`"\\${next}" is not an escape; only \\*, \\?, \\[ and \\\\ are (write "${next}" as it is)`, index);
      }
      tokens.push({ kind: 'literal', char: next });
      index += 2;
    } else if (char === '[') {
      const { token, end } = parseSet(chars, index);
      tokens.push(token);
      index = end;
    } else {
      tokens.push({ kind: 'literal', char });
      index += 1;
    }
  }
  const literals = tokens.filter((token) => token.kind === 'literal').length;
  const exact = literals === tokens.length ? tokens.map((token) => (token as { char: string }).char).join('') : undefined;
  return { source, tokens, exact, literals, wildcards: tokens.length - literals };
}

function parseSet(chars: readonly string[], start: number): { token: GlobToken; end: number } {
  let index = start + 1;
  const negated = chars[index] === '!';
  if (negated) index += 1;
  const members: number[] = [];
  const ranges: Array<[number, number]> = [];
  let pendingDash = false;
  while (index < chars.length && chars[index] !== ']') {
    let char = chars[index] as string;
    let escaped = false;
    if (char === '\\') {
      const next = chars[index + 1];
      if (next === undefined || !escapableInside.has(next)) {
        throw new GlobSyntaxError('inside [...] only \\], \\\\, \\- and \\! are escapes', index);
      }
      char = next;
      escaped = true;
      index += 1;
    }
    index += 1;
    const point = char.codePointAt(0) as number;
    if (char === '-' && !escaped && members.length > 0 && !pendingDash && chars[index] !== ']') {
      pendingDash = true;
      continue;
    }
    if (pendingDash) {
      const from = members.pop() as number;
      if (from > point) {
        throw new GlobSyntaxError(`the range "${String.fromCodePoint(from)}-${char}" is backwards`, index - 1);
      }
      ranges.push([from, point]);
      pendingDash = false;
    } else {
      members.push(point);
    }
  }
  if (index >= chars.length) throw new GlobSyntaxError('"[" is never closed by "]" (write \\[ for the character itself)', start);
  for (const point of members) ranges.push([point, point]);
  if (ranges.length === 0) throw new GlobSyntaxError('an empty set "[]" matches nothing', start);
  ranges.sort((a, b) => a[0] - b[0]);
  return { token: { kind: 'set', negated, ranges }, end: index + 1 };
}

/** Linear-time match of the whole name (no regular expression, so no backtracking blow-up). */
export function matchGlob(glob: Glob, name: string): boolean {
  if (glob.exact !== undefined) return glob.exact === name;
  const text = Array.from(name);
  const tokens = glob.tokens;
  let t = 0;
  let s = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (s < text.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind !== 'star' && tokenMatches(token, text[s] as string)) {
      t += 1;
      s += 1;
    } else if (token !== undefined && token.kind === 'star') {
      starAt = t;
      resumeAt = s;
      t += 1;
    } else if (starAt !== -1) {
      t = starAt + 1;
      resumeAt += 1;
      s = resumeAt;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t += 1;
  return t === tokens.length;
}

function tokenMatches(token: GlobToken, char: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return true;
    case 'star':
      return false;
    case 'set': {
      const point = char.codePointAt(0) as number;
      return token.ranges.some(([from, to]) => from <= point && point <= to) !== token.negated;
    }
  }
}

/**
 * Precedence between two keys that may match the same name: exact names first, then more
 * literal characters, then fewer wildcards, then the key's text by code unit. Never object order.
 */
export function compareSpecificity(a: Glob, b: Glob): number {
  const exactA = a.exact !== undefined ? 0 : 1;
  const exactB = b.exact !== undefined ? 0 : 1;
  return (
    exactA - exactB ||
    b.literals - a.literals ||
    a.wildcards - b.wildcards ||
    (a.source < b.source ? -1 : a.source > b.source ? 1 : 0)
  );
}

/**
 * Whether `outer` provably matches every name `inner` matches. Sound, not complete: "true" is
 * always right; some inclusions that need reasoning across several tokens are not found.
 */
export function covers(outer: Glob, inner: Glob): boolean {
  const q = outer.tokens;
  const p = inner.tokens;
  const memo = new Map<number, boolean>();
  const visit = (i: number, j: number): boolean => {
    const id = i * (p.length + 1) + j;
    const known = memo.get(id);
    if (known !== undefined) return known;
    let result: boolean;
    const token = q[i];
    if (token === undefined) {
      result = j === p.length;
    } else if (token.kind === 'star') {
      result = visit(i + 1, j) || (j < p.length && visit(i, j + 1));
    } else {
      const other = p[j];
      result = other !== undefined && singleCovers(token, other) && visit(i + 1, j + 1);
    }
    memo.set(id, result);
    return result;
  };
  return visit(0, 0);
}

/** Whether the one-character token `outer` accepts every character `inner` can stand for. */
function singleCovers(outer: GlobToken, inner: GlobToken): boolean {
  if (inner.kind === 'star') return false;
  if (outer.kind === 'any') return true;
  if (outer.kind === 'literal') return inner.kind === 'literal' && inner.char === outer.char;
  if (outer.kind !== 'set') return false;
  if (inner.kind === 'literal') return tokenMatches(outer, inner.char);
  if (inner.kind === 'any') return false;
  if (!inner.negated) {
    return outer.negated
      ? inner.ranges.every((range) => outer.ranges.every((excluded) => !overlaps(range, excluded)))
      : inner.ranges.every((range) => outer.ranges.some((allowed) => allowed[0] <= range[0] && range[1] <= allowed[1]));
  }
  // inner is "[!X]": only a negated outer "[!Y]" with Y inside X can cover it.
  return outer.negated && outer.ranges.every((excluded) => inner.ranges.some((range) => range[0] <= excluded[0] && excluded[1] <= range[1]));
}

function overlaps(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

/**
 * Every name the pattern matches, when that is a finite list of at most `limit` names (no `*`,
 * `?` or negated set); otherwise undefined.
 */
export function enumerateGlob(glob: Glob, limit: number): string[] | undefined {
  let names = [''];
  for (const token of glob.tokens) {
    let chars: string[];
    if (token.kind === 'literal') chars = [token.char];
    else if (token.kind === 'set' && !token.negated) {
      chars = [];
      for (const [from, to] of token.ranges) {
        if (to - from + 1 > limit) return undefined;
        for (let point = from; point <= to; point += 1) chars.push(String.fromCodePoint(point));
      }
      chars = [...new Set(chars)];
    } else return undefined;
    if (names.length * chars.length > limit) return undefined;
    names = names.flatMap((name) => chars.map((char) => name + char));
  }
  return names;
}

/** A name as a `tools` key that matches only itself: `*`, `?`, `[` and `\` escaped (a lone `]` already is literal). */
export function literalKey(name: string): string {
  return name.replace(/[*?[\\]/g, '\\$&');
}
