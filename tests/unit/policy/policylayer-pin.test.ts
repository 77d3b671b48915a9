import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, formatProblem, isHidden, loadPolicyFile, loadPolicyText, type Problem } from '../../../src/policy/index.js';

const fixtures = 'tests/fixtures/policies';
const where = (problems: readonly Problem[]) => problems.map((problem) => [problem.code, problem.line, problem.column]);
const facts = (tool: string) => ({ tool, arguments: {}, grant: 'g', session: 's' });

function load(document: unknown) {
  const result = loadPolicyText(JSON.stringify(document), 'policy.json', { defaultNamespace: 'test' });
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result;
}

describe('PolicyLayer fields: hide and all_tools.limits', () => {
  test('the PolicyLayer-shaped fixture loads without warnings and means what it says', () => {
    const result = loadPolicyFile(join(fixtures, 'valid', 'policylayer-shape.json'));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.warnings).toEqual([]);
    const { policy } = result;
    expect(policy.limits.map((limit) => limit.pointer)).toEqual(['/all_tools/limits/0']);
    expect(evaluate(policy, facts('stable'))).toMatchObject({ outcome: 'deny', cause: 'hide', rule: '/hide/0', hidden: true });
    expect(evaluate(policy, facts('mutate'))).toMatchObject({ outcome: 'deny', cause: 'hide', rule: '/hide/1', hidden: true });
    expect(evaluate(policy, facts('weather'))).toMatchObject({ outcome: 'allow', budgets: [expect.objectContaining({ counter: 'every_call_per_minute', max: 2 })] });
  });

  test('all_tools.limits mean the same as top-level limits: the same budget key', () => {
    const limit = { counter: 'calls', window: 'minute', max: 5, scope: 'grant' };
    const top = evaluate(load({ version: '1', default: 'allow', limits: [limit] }).policy, facts('x'));
    const allTools = evaluate(load({ version: '1', default: 'allow', all_tools: { limits: [limit] } }).policy, facts('x'));
    expect(top.outcome === 'allow' && top.budgets.map((budget) => budget.key)).toEqual(allTools.outcome === 'allow' && allTools.budgets.map((budget) => budget.key));
  });

  test('hide wins over an allowing rule, "*" hides every tool, and monitor mode hides nothing', () => {
    const policy = load({ version: '1', default: 'allow', hide: ['*'], tools: { a: { action: 'allow' } } }).policy;
    expect(evaluate(policy, facts('a'))).toMatchObject({ outcome: 'deny', cause: 'hide', reason: 'a is hidden by the policy ("hide": "*")' });
    expect(isHidden(policy, 'anything')).toBe(true);
    expect(isHidden(load({ version: '1', default: 'allow', mode: 'monitor', hide: ['a'] }).policy, 'a')).toBe(false);
  });

  test('a hide pattern that matches nothing is fine', () => {
    expect(load({ version: '1', default: 'deny', hide: ['no_such_tool_*'], tools: { a: {} } }).warnings).toEqual([]);
  });

  test.each([
    ['unknown-field-rate-limit.json', [['policy.unknown-field', 4, 3]], 'unknown field "rate_limit" in the policy (did you mean "limits"?)'],
    ['bad-glob-hide.json', [['policy.bad-glob', 4, 18]], 'bad pattern "broken[a-"'],
    ['schema-bad-pin.json', [['policy.schema', 4, 10]], '/pin must be one of "off", "warn", "enforce"'],
  ])('%s is located', (file, expected, message) => {
    const result = loadPolicyFile(join(fixtures, file));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(where(result.problems)).toEqual(expected);
    expect(result.problems[0]?.message).toContain(message);
  });

  test('near-misses of limits inside a rule and in all_tools get the same suggestion', () => {
    const inRule = loadPolicyText(JSON.stringify({ version: '1', default: 'allow', tools: { a: { rateLimits: [] } } }), 'p.json');
    const inAllTools = loadPolicyText(JSON.stringify({ version: '1', default: 'allow', all_tools: { quota: [] } }), 'p.json');
    for (const result of [inRule, inAllTools]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]?.message).toContain('(did you mean "limits"?)');
    }
  });

  test.each([
    ['warn-limits-twice.json', [['lint.limits-twice', 5, 18]], 'they add up'],
    ['warn-hidden-rule.json', [['lint.hidden-rule', 6, 5]], 'is in "hide" ("delete_*" at /hide/0)'],
  ])('%s warns, located', (file, expected, message) => {
    const result = loadPolicyFile(join(fixtures, file));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(where(result.warnings)).toEqual(expected);
    expect(result.warnings[0]?.message).toContain(message);
  });
});

describe('pin', () => {
  test('is off by default and takes warn or enforce', () => {
    expect(load({ version: '1', default: 'allow' }).policy.pin).toBe('off');
    expect(load({ version: '1', default: 'allow', pin: 'warn' }).policy.pin).toBe('warn');
    expect(load({ version: '1', default: 'allow', pin: 'enforce' }).policy.pin).toBe('enforce');
  });

  test('the published schema documents the new fields', () => {
    const schema = JSON.parse(readFileSync('schemas/policy.schema.json', 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['pin', 'hide', 'all_tools']));
  });
});
