import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, PolicyWrapError } from '../../../src/errors.js';
import { formatProblem, loadPolicyFile, loadPolicyText, PolicyLoadError, type Problem } from '../../../src/policy/index.js';

const fixtures = 'tests/fixtures/policies';

type Expected = [code: string, line: number, column: number];

const where = (problems: readonly Problem[]): Expected[] => problems.map((problem) => [problem.code, problem.line, problem.column]);

/** Every error fixture, with every problem it must produce (code, line, column), in order. */
const errorCases: Array<[file: string, expected: Expected[]]> = [
  ['syntax-trailing-comma.json', [['policy.syntax', 6, 3]]],
  ['syntax-comment.json', [['policy.syntax', 2, 3]]],
  ['syntax-empty.json', [['policy.syntax', 1, 1]]],
  ['syntax-unclosed.json', [['policy.syntax', 5, 1]]],
  ['duplicate-key.json', [['policy.duplicate-key', 6, 5]]],
  ['unknown-field-limit.json', [['policy.unknown-field', 6, 7]]],
  ['unknown-field-windows.json', [['policy.unknown-field', 6, 20]]],
  ['unknown-field-top-level.json', [['policy.unknown-field', 4, 3]]],
  ['schema-missing-default.json', [['policy.schema', 1, 1]]],
  ['schema-missing-max.json', [['policy.schema', 5, 28]]],
  ['schema-version.json', [['policy.schema', 2, 14]]],
  ['schema-negative-max.json', [['policy.schema', 5, 52]]],
  ['schema-bad-window.json', [['policy.schema', 5, 17]]],
  ['schema-bad-action.json', [['policy.schema', 5, 22]]],
  ['schema-crlf-bad-action.json', [['policy.schema', 5, 27]]],
  ['schema-bad-default.json', [['policy.schema', 3, 14]]],
  ['schema-bad-per.json', [['policy.schema', 4, 53]]],
  ['schema-rule-not-object.json', [['policy.schema', 5, 15]]],
  ['schema-empty-tool-name.json', [['policy.schema', 5, 5]]],
  ['schema-zero-timeout.json', [['policy.schema', 5, 28]]],
  ['schema-not-object.json', [['policy.schema', 1, 1]]],
  ['bad-glob-unclosed.json', [['policy.bad-glob', 5, 5]]],
  ['bad-glob-escape.json', [['policy.bad-glob', 5, 5]]],
  ['bad-glob-range.json', [['policy.bad-glob', 5, 5]]],
  ['bad-arguments-schema-type.json', [['policy.bad-arguments-schema', 6, 30]]],
  ['bad-arguments-schema-keyword.json', [['policy.bad-arguments-schema', 9, 40]]],
  ['bad-arguments-schema-pattern.json', [['policy.bad-arguments-schema', 7, 47]]],
  ['bad-arguments-schema-ref.json', [['policy.bad-arguments-schema', 7, 44]]],
  ['bad-arguments-schema-format.json', [['policy.bad-arguments-schema', 7, 62]]],
  ['unsupported-pattern-backreference.json', [['policy.unsupported-pattern', 7, 65]]],
  ['unsupported-pattern-lookaround.json', [['policy.unsupported-pattern', 9, 50]]],
  ['unsupported-pattern-property.json', [['policy.unsupported-pattern', 7, 32]]],
  ['conflicting-fields-reason.json', [['policy.conflicting-fields', 5, 65]]],
  ['unreadable-not-utf8.json', [['policy.unreadable', 1, 1]]],
  [
    'many-errors.json',
    [
      ['policy.schema', 2, 14],
      ['policy.unknown-field', 5, 12],
      ['policy.bad-glob', 6, 5],
      ['policy.schema', 6, 36],
      ['policy.schema', 6, 46],
    ],
  ],
];

/** Every warning fixture: it loads, with exactly these warnings. */
const warningCases: Array<[file: string, expected: Expected[]]> = [
  ['warn-max-zero.json', [['lint.max-zero', 5, 59]]],
  ['warn-counter-mismatch.json', [['lint.counter-mismatch', 6, 47]]],
  ['warn-unreachable-pattern.json', [['lint.unreachable-pattern', 6, 5]]],
  ['warn-unreachable-pattern-listed.json', [['lint.unreachable-pattern', 7, 5]]],
  ['warn-deny-with-limits.json', [['lint.deny-with-limits', 7, 7]]],
  ['warn-allow-everything.json', [['lint.allow-everything', 3, 14]]],
  ['warn-ignored-field-hide.json', [['lint.ignored-field', 5, 17]]],
  ['warn-ignored-field-reason.json', [['lint.ignored-field', 5, 17]]],
  ['warn-ignored-field-timeout.json', [['lint.ignored-field', 5, 35]]],
];

describe('loading a policy file with errors', () => {
  test.each(errorCases)('%s', (file, expected) => {
    const result = loadPolicyFile(join(fixtures, file));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(where(result.problems)).toEqual(expected);
    for (const problem of result.problems) {
      expect(problem.file).toBe(join(fixtures, file));
      expect(problem.severity).toBe('error');
      expect(problem.message).not.toMatch(/\n/);
    }
  });

  test('says "did you mean" for a misspelt field', () => {
    const limit = loadPolicyFile(join(fixtures, 'unknown-field-limit.json'));
    const windows = loadPolicyFile(join(fixtures, 'unknown-field-windows.json'));
    expect(!limit.ok && limit.problems[0]?.message).toMatch(/did you mean "limits"/);
    expect(!windows.ok && windows.problems[0]?.message).toMatch(/did you mean "window"/);
  });

  test.each([
    ['unsupported-pattern-backreference.json', `"pattern" ${JSON.stringify('^(\\w+) \\1$')} uses a backreference`],
    ['unsupported-pattern-lookaround.json', `"pattern" ${JSON.stringify('^(?!/etc/).+$')} uses a lookahead`],
    ['unsupported-pattern-property.json', `"patternProperties" key ${JSON.stringify('^(?<=x)y$')} uses a lookbehind`],
  ])('%s says what linear-time matching cannot run, and what it can', (file, start) => {
    const result = loadPolicyFile(join(fixtures, file));
    const message = result.ok ? '' : (result.problems[0]?.message ?? '');
    expect(message.startsWith(start)).toBe(true);
    expect(message).toMatch(/no backreferences, no lookaround, repetition counts up to 1000$/);
  });

  test('makes Ajv messages readable, with the path of the offending value', () => {
    const result = loadPolicyFile(join(fixtures, 'schema-negative-max.json'));
    expect(!result.ok && result.problems[0]?.message).toBe('/tools/x/limits/0/max must be >= 0');
  });

  test('reports a missing file as policy.missing', () => {
    const result = loadPolicyFile(join(fixtures, 'no-such-policy.json'));
    expect(!result.ok && where(result.problems)).toEqual([['policy.missing', 1, 1]]);
  });

  test('reports a directory as policy.unreadable', () => {
    const result = loadPolicyFile(fixtures);
    expect(!result.ok && where(result.problems)).toEqual([['policy.unreadable', 1, 1]]);
  });
});

describe('loading a policy file with warnings', () => {
  test.each(warningCases)('%s', (file, expected) => {
    const result = loadPolicyFile(join(fixtures, file));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(where(result.warnings)).toEqual(expected);
    for (const warning of result.warnings) expect(warning.severity).toBe('warning');
  });
});

describe('loading valid policies', () => {
  test.each(['trakt-example.json', 'every-field.json', 'byte-order-mark.json'])('%s loads and compiles without warnings', (file) => {
    const result = loadPolicyFile(join(fixtures, 'valid', file));
    expect(result.ok && result.warnings).toEqual([]);
  });

  test('the example means what it says', () => {
    const result = loadPolicyFile(join(fixtures, 'valid', 'trakt-example.json'));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.policy.default).toBe('deny');
    expect(result.policy.mode).toBe('enforce');
    expect(result.policy.rules.map((rule) => rule.key)).toEqual(['trakt_authenticate']);
    expect(result.policy.rules[0]?.limits).toEqual([
      expect.objectContaining({ counter: 'trakt_authenticate_rate', windowMs: 60_000, max: 10, scope: 'grant', per: undefined }),
    ]);
  });

  test('loadPolicyText takes a file name for its problems', () => {
    const result = loadPolicyText('{"version": "1"}', 'inline.json');
    expect(!result.ok && result.problems.map(formatProblem)).toEqual(['inline.json:1:1: policy.schema: the policy must have property "default"']);
  });
});

describe('formatProblem and PolicyLoadError', () => {
  test('formats file:line:column: code: message', () => {
    expect(formatProblem({ file: 'p.json', line: 3, column: 7, code: 'policy.schema', severity: 'error', message: 'x must be y' })).toBe(
      'p.json:3:7: policy.schema: x must be y',
    );
  });

  test('a PolicyLoadError carries every problem and exit code 2', () => {
    const result = loadPolicyFile(join(fixtures, 'many-errors.json'));
    if (result.ok) throw new Error('many-errors.json loaded');
    const error = new PolicyLoadError(result.problems);
    expect(error).toBeInstanceOf(PolicyWrapError);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.code).toBe('policy.schema');
    expect(error.problems).toHaveLength(5);
    expect(error.message).toMatch(/^tests\/fixtures\/policies\/many-errors\.json:2:14: policy\.schema: .* \(and 4 more\)$/);
  });

  test('a policy that loads comes with its warnings', () => {
    const result = loadPolicyFile(join(fixtures, 'warn-max-zero.json'));
    expect(result.ok && result.policy.rules).toHaveLength(1);
    expect(result.ok && result.warnings.map((warning) => warning.code)).toEqual(['lint.max-zero']);
  });
});

describe('positions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-wrap-load-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('columns count UTF-16 code units after non-ASCII text on the same line', () => {
    const file = join(dir, 'unicode.json');
    writeFileSync(file, '{"version": "1", "default": "deny", "tools": {"ünïcode": {"action": "nope"}}}');
    const result = loadPolicyFile(file);
    expect(!result.ok && where(result.problems)).toEqual([['policy.schema', 1, 69]]);
  });

  test('reports duplicate keys and schema errors together', () => {
    const result = loadPolicyText('{\n"version": "1",\n"version": "1",\n"default": 5\n}', 'both.json');
    expect(!result.ok && where(result.problems)).toEqual([
      ['policy.duplicate-key', 3, 1],
      ['policy.schema', 4, 12],
    ]);
  });

  test('reports a bad glob even when another rule has a schema error', () => {
    const result = loadPolicyText('{"version":"1","default":"deny","tools":{"[":{},"x":{"max":1}}}', 'mixed.json');
    expect(!result.ok && result.problems.map((problem) => problem.code)).toEqual(['policy.bad-glob', 'policy.unknown-field']);
  });
});
