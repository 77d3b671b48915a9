import { compareSpecificity, covers, enumerateGlob, GlobSyntaxError, matchGlob, parseGlob } from '../../../src/policy/glob.js';

describe('matchGlob', () => {
  test.each([
    ['playlist_*', 'playlist_add', true],
    ['playlist_*', 'playlist_', true],
    ['playlist_*', 'playlists', false],
    ['playlist_*', 'my_playlist_add', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['get_?', 'get_a', true],
    ['get_?', 'get_', false],
    ['get_?', 'get_ab', false],
    ['get_?', 'get_é', true],
    ['get_?', 'get_🔒', true],
    ['[abc]x', 'bx', true],
    ['[abc]x', 'dx', false],
    ['[a-c]x', 'cx', true],
    ['[!a-c]x', 'cx', false],
    ['[!a-c]x', 'dx', true],
    ['[-a]', '-', true],
    ['[a-]', '-', true],
    ['[\\]]', ']', true],
    ['a]', 'a]', true],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['a\\?', 'a?', true],
    ['a\\[b', 'a[b', true],
    ['a\\\\', 'a\\', true],
    ['*_*_*', 'a_b_c', true],
    ['*_*_*', 'a_b', false],
    ['*ab*ab*', 'xxabxxabxx', true],
    ['*ab*ab*', 'xxabxx', false],
    ['search', 'search', true],
    ['search', 'Search', false],
  ] as const)('%s matches %s: %s', (pattern, name, expected) => {
    expect(matchGlob(parseGlob(pattern), name)).toBe(expected);
  });

  test('stays linear on a name built to make backtracking explode', () => {
    const glob = parseGlob('*a*a*a*a*a*a*b');
    expect(matchGlob(glob, 'a'.repeat(20_000))).toBe(false);
  });
});

describe('parseGlob', () => {
  test('counts literal characters and wildcards; an escaped character is literal', () => {
    expect(parseGlob('playlist_*')).toMatchObject({ exact: undefined, literals: 9, wildcards: 1 });
    expect(parseGlob('get_[ab]?')).toMatchObject({ literals: 4, wildcards: 2 });
    expect(parseGlob('a\\*b')).toMatchObject({ exact: 'a*b', literals: 3, wildcards: 0 });
    expect(parseGlob('search')).toMatchObject({ exact: 'search' });
  });

  test.each([
    ['get_[ab', 4],
    ['get_[]', 4],
    ['get_[!]', 4],
    ['x[z-a]', 4],
    ['trailing\\', 8],
    ['\\_', 0],
    ['[\\a]', 1],
  ] as const)('%s is a syntax error at %d', (pattern, index) => {
    let caught: unknown;
    try {
      parseGlob(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GlobSyntaxError);
    expect((caught as GlobSyntaxError).index).toBe(index);
  });
});

describe('compareSpecificity', () => {
  const ranked = (keys: string[]): string[] =>
    keys
      .map(parseGlob)
      .sort(compareSpecificity)
      .map((glob) => glob.source);

  test('exact names first, then more literal characters, then fewer wildcards, then by code unit', () => {
    expect(ranked(['*', 'get_*', 'get_?', 'get_**', 'get_libraries', 'get_[ab]', 'a', 'get_*s'])).toEqual([
      'get_libraries',
      'a',
      'get_*s',
      'get_*',
      'get_?',
      'get_[ab]',
      'get_**',
      '*',
    ]);
  });

  test('does not depend on the input order', () => {
    const keys = ['x*', '?y', 'x?', '*y', '[xz]y', 'xy'];
    expect(ranked([...keys].reverse())).toEqual(ranked(keys));
  });
});

describe('covers', () => {
  test.each([
    ['get_*', 'get_**', true],
    ['get_*', 'get_[ab]*', true],
    ['get_*', 'get_a?', true],
    ['*', 'anything*', true],
    ['a*c*', 'a?c*', true],
    ['?x', '[ab]x', true],
    ['[a-z]x', '[b-d]x', true],
    ['[!a]x', '[b-d]x', true],
    ['[!a]x', '[!ab]x', true],
    ['get_a?', 'get_*', false],
    ['get_[ab]', 'get_?', false],
    ['[a-c]x', '[b-d]x', false],
    ['[!a]x', '[a-d]x', false],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
  ] as const)('%s covers %s: %s', (outer, inner, expected) => {
    expect(covers(parseGlob(outer), parseGlob(inner))).toBe(expected);
  });
});

describe('enumerateGlob', () => {
  test('lists the names of a finite pattern', () => {
    expect(enumerateGlob(parseGlob('get_[ab][12]'), 100)).toEqual(['get_a1', 'get_a2', 'get_b1', 'get_b2']);
  });

  test('gives up on infinite or large languages', () => {
    expect(enumerateGlob(parseGlob('get_*'), 100)).toBeUndefined();
    expect(enumerateGlob(parseGlob('get_?'), 100)).toBeUndefined();
    expect(enumerateGlob(parseGlob('get_[!a]'), 100)).toBeUndefined();
    expect(enumerateGlob(parseGlob('[a-z][a-z]'), 100)).toBeUndefined();
  });
});
