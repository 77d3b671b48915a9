import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  compileAdvertisedSchemas,
  defaultApprovalTimeoutMs,
  describeTool,
  evaluate,
  isHidden,
  loadPolicyText,
  readPolicySchema,
  type CallFacts,
  type CompiledPolicy,
  type Problem,
} from '../../../src/policy/index.js';

type Expected = [code: string, line: number, column: number];
const where = (problems: readonly Problem[]): Expected[] => problems.map((problem) => [problem.code, problem.line, problem.column]);

/** One rule per line, so a problem's line names its rule. */
function text(rules: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  const head = Object.entries({ version: '1', default: 'deny', ...top }).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  const body = Object.entries(rules).map(([key, rule], index, all) => `    ${JSON.stringify(key)}: ${JSON.stringify(rule)}${index < all.length - 1 ? ',' : ''}`);
  return ['{', ...head, '  "tools": {', ...body, '  }', '}'].join('\n');
}

function load(rules: Record<string, unknown>, top: Record<string, unknown> = {}): CompiledPolicy {
  const result = loadPolicyText(text(rules, top), 'ask.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

function problems(rules: Record<string, unknown>): Problem[] {
  const result = loadPolicyText(text(rules), 'ask.json');
  if (result.ok) throw new Error('the policy loaded');
  return result.problems;
}

const call = (tool: string, args: unknown = {}, more: Partial<CallFacts> = {}): CallFacts => ({ tool, arguments: args, grant: 'alice', session: 's1', ...more });

describe('schema: action "ask" and approval', () => {
  const validate = new Ajv2020({ allErrors: true }).compile(readPolicySchema());
  const policy = (rule: unknown): unknown => ({ version: '1', default: 'deny', tools: { x: rule } });

  test.each([
    [{ action: 'ask' }],
    [{ action: 'ask', approval: {} }],
    [{ action: 'ask', approval: { timeout: 0.5 } }],
    [{ action: 'ask', approval: { timeout: 86400, remember: 'call' } }],
    [{ action: 'ask', approval: { remember: 'session' } }],
    [{ action: 'ask', approval: { remember: 1 } }],
    [{ action: 'ask', approval: { remember: 2592000 }, limits: [{ window: 'hour', max: 3 }], timeout: 30, arguments: { type: 'object' } }],
  ])('accepts %j', (rule) => {
    expect(validate(policy(rule))).toBe(true);
  });

  test.each([
    [{ action: 'Ask' }],
    [{ action: 'ask', approval: { timeout: 0 } }],
    [{ action: 'ask', approval: { timeout: 86401 } }],
    [{ action: 'ask', approval: { timeout: '120' } }],
    [{ action: 'ask', approval: { remember: 'forever' } }],
    [{ action: 'ask', approval: { remember: 0 } }],
    [{ action: 'ask', approval: { remember: 1.5 } }],
    [{ action: 'ask', approval: { remember: 2592001 } }],
    [{ action: 'ask', approval: { rememberr: 'call' } }],
    [{ action: 'ask', approval: 'yes' }],
  ])('rejects %j', (rule) => {
    expect(validate(policy(rule))).toBe(false);
  });
});

describe('loading: located errors', () => {
  test('approval without "action": "ask" is policy.conflicting-fields at the "approval" key', () => {
    const found = problems({ a: { approval: { remember: 'session' } }, b: { action: 'deny', approval: {} } });
    expect(where(found)).toEqual([
      ['policy.conflicting-fields', 5, 11],
      ['policy.conflicting-fields', 6, 27],
    ]);
    expect(found[0]?.message).toBe('"approval" applies only to a rule with "action": "ask"; this rule allows calls without asking: add "action": "ask" or remove "approval"');
    expect(found[1]?.message).toMatch(/this rule denies every call/);
  });

  test('bad approval values and unknown fields, each at its place', () => {
    const found = problems({ a: { action: 'ask', approval: { timeout: 0, remember: 0.5, rememberr: 1 } } });
    expect(where(found)).toEqual([
      ['policy.schema', 5, 48],
      ['policy.schema', 5, 61],
      ['policy.unknown-field', 5, 65],
    ]);
    expect(found.map((problem) => problem.message)).toEqual([
      '/tools/a/approval/timeout must be > 0',
      '/tools/a/approval/remember must be "call", "session" or a whole number of seconds from 1 to 2592000 (30 days)',
      'unknown field "rememberr" in /tools/a/approval (did you mean "remember"?)',
    ]);
  });

  test('a word remember does not know says what it may be', () => {
    const found = problems({ a: { action: 'ask', approval: { remember: 'forever' } } });
    expect(found.map((problem) => problem.message)).toEqual(['/tools/a/approval/remember must be "call", "session" or a whole number of seconds from 1 to 2592000 (30 days)']);
  });

  test('an unknown action lists ask among the choices', () => {
    expect(problems({ a: { action: 'approve' } }).map((problem) => problem.message)).toEqual(['/tools/a/action must be one of "allow", "deny", "ask"']);
  });
});

describe('compile: the approval of an ask rule', () => {
  test('defaults: 120 s to answer, one approval per call', () => {
    const rule = load({ a: { action: 'ask' } }).ruleFor('a');
    expect(rule).toMatchObject({ action: 'ask', approval: { timeoutMs: 120_000, remember: { kind: 'call' } } });
    expect(defaultApprovalTimeoutMs).toBe(120_000);
  });

  test.each([
    [{ timeout: 30 }, { timeoutMs: 30_000, remember: { kind: 'call' } }],
    [{ timeout: 1.5, remember: 'call' }, { timeoutMs: 1_500, remember: { kind: 'call' } }],
    [{ remember: 'session' }, { timeoutMs: 120_000, remember: { kind: 'session' } }],
    [{ remember: 600 }, { timeoutMs: 120_000, remember: { kind: 'for', ms: 600_000 } }],
  ])('%j compiles to %j', (approval, expected) => {
    expect(load({ a: { action: 'ask', approval } }).ruleFor('a')?.approval).toEqual(expected);
  });

  test('allow and deny rules have no approval', () => {
    const policy = load({ a: {}, b: { action: 'deny' }, c: { action: 'allow' } });
    expect(['a', 'b', 'c'].map((tool) => policy.ruleFor(tool)?.approval)).toEqual([undefined, undefined, undefined]);
  });
});

describe('evaluate: an ask rule', () => {
  const policy = load(
    {
      delete_playlist: {
        action: 'ask',
        approval: { timeout: 60, remember: 'session' },
        reason: 'only playlists you made',
        arguments: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        limits: [{ window: 'hour', max: 5 }],
        timeout: 10,
      },
      'sonarr_*': { action: 'ask' },
      sonarr_status: {},
    },
    { limits: [{ window: 'minute', max: 60, scope: 'global' }] },
  );

  test('a call that passes its checks is allowed with the approval, its budgets and its timeout', () => {
    const decision = evaluate(policy, call('delete_playlist', { id: 7 }));
    expect(decision).toEqual({
      outcome: 'allow',
      rule: '/tools/delete_playlist',
      budgets: [
        expect.objectContaining({ rule: '/tools/delete_playlist/limits/0', max: 5, windowMs: 3_600_000 }),
        expect.objectContaining({ rule: '/limits/0', max: 60, scope: 'global' }),
      ],
      timeoutMs: 10_000,
      approval: { timeoutMs: 60_000, remember: { kind: 'session' } },
    });
  });

  test('bad arguments are denied, never asked: the denial carries no approval', () => {
    const decision = evaluate(policy, call('delete_playlist', { id: 'all' }));
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'arguments', rule: '/tools/delete_playlist/arguments', reason: 'only playlists you made', hidden: false });
    expect(decision).not.toHaveProperty('approval');
  });

  test('with input_schema "enforce", a call that does not match the advertised schema is denied before anyone is asked', () => {
    const enforcing = load({ a: { action: 'ask' } }, { input_schema: 'enforce' });
    const schemas = compileAdvertisedSchemas([{ name: 'a', inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } }]);
    const advertisedSchema = schemas.get('a');
    const refused = evaluate(enforcing, call('a', { n: 'x' }, { advertisedSchema }));
    expect(refused).toMatchObject({ outcome: 'deny', cause: 'input-schema' });
    expect(refused).not.toHaveProperty('approval');
    expect(evaluate(enforcing, call('a', { n: 1 }, { advertisedSchema }))).toMatchObject({ outcome: 'allow', approval: { timeoutMs: 120_000 } });
    // Not listed by the server: refused, not asked.
    expect(evaluate(enforcing, call('a', { n: 1 }))).not.toHaveProperty('approval');
  });

  test('patterns ask too; a more specific allow rule does not', () => {
    expect(evaluate(policy, call('sonarr_search_all'))).toMatchObject({ outcome: 'allow', rule: '/tools/sonarr_*', approval: { remember: { kind: 'call' } } });
    expect(evaluate(policy, call('sonarr_status'))).not.toHaveProperty('approval');
  });

  test('a tool the default denies is denied, not asked', () => {
    expect(evaluate(policy, call('other'))).toMatchObject({ outcome: 'deny', cause: 'default' });
  });

  test('an asked tool is never hidden, even with hide: true', () => {
    const hiding = load({ a: { action: 'ask', hide: true } });
    expect(isHidden(hiding, 'a')).toBe(false);
  });

  test('the decision is the same in monitor mode: whether to ask is the caller\'s', () => {
    const monitor = load({ a: { action: 'ask' } }, { mode: 'monitor' });
    expect(evaluate(monitor, call('a'))).toMatchObject({ outcome: 'allow', approval: { timeoutMs: 120_000, remember: { kind: 'call' } } });
  });
});

describe('describeTool: an ask rule', () => {
  const policy = load({ a: { action: 'ask', approval: { remember: 3600 }, limits: [{ window: 'day', max: 2 }], timeout: 5 }, b: {}, c: { action: 'deny' } });

  test('action ask, with its approval, budgets and timeout', () => {
    expect(describeTool(policy, 'a')).toEqual({
      tool: 'a',
      rule: '/tools/a',
      action: 'ask',
      approval: { timeoutMs: 120_000, remember: { kind: 'for', ms: 3_600_000 } },
      hidden: false,
      budgets: ['at most 2 calls per day for a'],
      argumentsChecked: false,
      inputSchemaChecked: false,
      timeoutMs: 5_000,
    });
  });

  test('allow and deny rules carry no approval', () => {
    expect(describeTool(policy, 'b')).not.toHaveProperty('approval');
    expect(describeTool(policy, 'c')).not.toHaveProperty('approval');
    expect([describeTool(policy, 'b').action, describeTool(policy, 'c').action]).toEqual(['allow', 'deny']);
  });
});
