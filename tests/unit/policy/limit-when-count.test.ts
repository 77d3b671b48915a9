import { budgetClaims, evaluate, formatProblem, loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';

function load(document: unknown): CompiledPolicy {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json');
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return loaded.policy;
}

const facts = (args: unknown) => ({ tool: 'sync', arguments: args, grant: 'g', session: 's' });

describe('when: a limit that applies only to calls whose arguments match', () => {
  const policy = load({
    version: '1',
    default: 'allow',
    tools: { sync: { limits: [{ window: 'hour', max: 2, when: { properties: { dryRun: { const: false } } } }, { window: 'minute', max: 100 }] } },
  });

  test.each([
    [{ dryRun: true }, ['/tools/sync/limits/1']],
    [{ dryRun: false }, ['/tools/sync/limits/0', '/tools/sync/limits/1']],
    [{}, ['/tools/sync/limits/0', '/tools/sync/limits/1']],
    [undefined, ['/tools/sync/limits/0', '/tools/sync/limits/1']],
  ])('arguments %j take %j', (args, rules) => {
    const decision = evaluate(policy, facts(args));
    expect(decision.outcome === 'allow' ? decision.budgets.map((claim) => claim.rule) : decision).toEqual(rules);
    expect(budgetClaims(policy, facts(args)).map((claim) => claim.rule)).toEqual(rules);
  });

  test('its description says so', () => {
    expect(policy.rules[0]?.limits[0]?.description).toBe('at most 2 calls per hour for sync, when the arguments match its "when"');
  });

  test('a when that is not a schema is a located error', () => {
    const loaded = loadPolicyText('{"version": "1", "default": "allow",\n "tools": {"sync": {"limits": [{"window": "hour", "max": 2, "when": {"type": "nope"}}]}}}', 'policy.json');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems.map(formatProblem).join('\n')).toMatch(/^policy\.json:2:\d+: policy\.[a-z-]+: .*when/m);
  });
});

describe('count: which calls use up a budget', () => {
  const policy = load({
    version: '1',
    default: 'allow',
    tools: { sync: { limits: [{ counter: 'writes', window: 'hour', max: 30, count: 'succeeded' }, { window: 'hour', max: 5 }] } },
  });

  test('succeeded is carried on the claim; admitted, the default, is not', () => {
    const decision = evaluate(policy, facts({}));
    expect(decision.outcome === 'allow' ? decision.budgets.map((claim) => [claim.counter, claim.count]) : decision).toEqual([
      ['writes', 'succeeded'],
      ['/tools/sync/limits/1', undefined],
    ]);
    expect(policy.rules[0]?.limits[0]?.description).toBe('at most 30 calls per hour for sync, counting only calls that succeed');
  });

  test('anything else is refused by the schema', () => {
    const loaded = loadPolicyText(JSON.stringify({ version: '1', default: 'allow', tools: { sync: { limits: [{ window: 'hour', max: 5, count: 'failed' }] } } }), 'policy.json');
    expect(loaded.ok).toBe(false);
  });
});
