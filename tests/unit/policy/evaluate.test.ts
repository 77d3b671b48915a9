import {
  canonicalDigest,
  compileAdvertisedSchemas,
  describeTool,
  evaluate,
  isHidden,
  loadPolicyText,
  type CallFacts,
  type CompiledPolicy,
  type Decision,
  type PolicyDocument,
} from '../../../src/policy/index.js';

function load(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'test.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

const call = (tool: string, args: unknown = {}, more: Partial<CallFacts> = {}): CallFacts => ({
  tool,
  arguments: args,
  grant: 'alice',
  session: 's1',
  ...more,
});

const trakt = load({
  version: '1',
  default: 'deny',
  tools: { trakt_authenticate: { limits: [{ counter: 'trakt_authenticate_rate', window: 'minute', max: 10, scope: 'grant' }] } },
});

const layered = load({
  version: '1',
  default: 'allow',
  limits: [{ window: 'second', max: 50, scope: 'global' }],
  tools: {
    '*': { action: 'deny', reason: 'not on the list' },
    'get_*': { timeout: 5 },
    'get_secret*': { action: 'deny', hide: false },
    'get_?ecret_stats': { limits: [{ window: 90, max: 3, scope: 'session' }] },
    get_secret_ok: {},
    'get_[ab]ook': { action: 'deny', on_deny: 'books are closed' },
    'get_*ok': {},
    get_recently_added: {
      arguments: { type: 'object', properties: { limit: { type: 'integer', maximum: 500 } }, additionalProperties: false },
    },
    rate_item: { limits: [{ window: 'hour', max: 2, per: 'arguments.ratingKey' }] },
  },
});

type Case = [name: string, policy: CompiledPolicy, facts: CallFacts, expected: Partial<Decision> & Record<string, unknown>];

const cases: Case[] = [
  [
    'the example allows trakt_authenticate with its budget',
    trakt,
    call('trakt_authenticate'),
    {
      outcome: 'allow',
      rule: '/tools/trakt_authenticate',
      budgets: [
        {
          key: '["trakt_authenticate_rate",60000,"grant","alice"]',
          windowMs: 60_000,
          max: 10,
          counter: 'trakt_authenticate_rate',
          rule: '/tools/trakt_authenticate/limits/0',
          scope: 'grant',
          description: 'at most 10 calls per minute for trakt_authenticate',
        },
      ],
    },
  ],
  [
    'the example denies everything else by default, hidden',
    trakt,
    call('trakt_complete_auth'),
    { outcome: 'deny', rule: '(default)', cause: 'default', hidden: true, reason: 'trakt_complete_auth is not allowed by the policy (default: deny)' },
  ],
  ['"*" decides what no more specific rule does', layered, call('delete_item'), { outcome: 'deny', rule: '/tools/*', cause: 'rule', reason: 'not on the list', hidden: true }],
  [
    'a pattern with more literal characters beats a shorter one',
    layered,
    call('get_libraries'),
    { outcome: 'allow', rule: '/tools/get_*', timeoutMs: 5000, budgets: [expect.objectContaining({ rule: '/limits/0', key: '["/limits/0",1000,"global"]' })] },
  ],
  ['hide: false keeps a denied tool listed', layered, call('get_secret_key'), { outcome: 'deny', rule: '/tools/get_secret*', cause: 'rule', hidden: false }],
  [
    'more literal characters wins even against fewer wildcards ("get_?ecret_stats" over "get_secret*")',
    layered,
    call('get_secret_stats', {}, { session: 'S9' }),
    {
      outcome: 'allow',
      rule: '/tools/get_?ecret_stats',
      budgets: [
        expect.objectContaining({ key: '["/tools/get_?ecret_stats/limits/0",90000,"session","S9"]', windowMs: 90_000, max: 3, scope: 'session' }),
        expect.objectContaining({ rule: '/limits/0' }),
      ],
    },
  ],
  ['an exact name beats every pattern', layered, call('get_secret_ok'), { outcome: 'allow', rule: '/tools/get_secret_ok' }],
  ['a set is a wildcard, not a literal character', layered, call('get_book'), { outcome: 'deny', rule: '/tools/get_[ab]ook', reason: 'books are closed' }],
  ['fewer literal characters lose', layered, call('get_cook'), { outcome: 'allow', rule: '/tools/get_*ok' }],
  [
    'tie on literal characters and wildcards: the key that sorts first by code unit decides ("a?c" < "a[bx]c")',
    load({ version: '1', default: 'deny', tools: { 'a[bx]c': { action: 'deny' }, 'a?c': {} } }),
    call('abc'),
    { outcome: 'allow', rule: '/tools/a?c' },
  ],
  [
    'arguments inside the schema are allowed',
    layered,
    call('get_recently_added', { limit: 20 }),
    { outcome: 'allow', rule: '/tools/get_recently_added', budgets: [expect.objectContaining({ rule: '/limits/0' })] },
  ],
  [
    'arguments outside the schema are denied with readable violations, not hidden',
    layered,
    call('get_recently_added', { limit: 100000, extra: true }),
    {
      outcome: 'deny',
      rule: '/tools/get_recently_added/arguments',
      cause: 'arguments',
      hidden: false,
      violations: ['arguments must not have property "extra"', '/limit must be <= 500'],
    },
  ],
  ['absent arguments are checked as {}', layered, call('get_recently_added', undefined), { outcome: 'allow' }],
  [
    'a pattern in arguments runs in linear time: ^(a|aa)+$ against 41 a and a b is refused at once',
    load({ version: '1', default: 'deny', tools: { echo: { arguments: { properties: { text: { type: 'string', pattern: '^(a|aa)+$' } } } } } }),
    call('echo', { text: `${'a'.repeat(41)}b` }),
    { outcome: 'deny', cause: 'arguments', violations: ['/text must match pattern "^(a|aa)+$"'] },
  ],
  [
    'a pattern in arguments runs in linear time: ^(a|aa)+$ against 100 000 a and a b is refused at once',
    load({ version: '1', default: 'deny', tools: { echo: { arguments: { properties: { text: { type: 'string', pattern: '^(a|aa)+$' } } } } } }),
    call('echo', { text: `${'a'.repeat(100_000)}b` }),
    { outcome: 'deny', cause: 'arguments', violations: ['/text must match pattern "^(a|aa)+$"'] },
  ],
  [
    'arguments of the wrong type are denied',
    layered,
    call('get_recently_added', 'limit=5'),
    { outcome: 'deny', cause: 'arguments', violations: ['arguments must be an object'] },
  ],
  [
    'per: a separate budget per distinct value',
    layered,
    call('rate_item', { ratingKey: '12' }),
    { outcome: 'allow', budgets: [expect.objectContaining({ key: JSON.stringify(['/tools/rate_item/limits/0', 3600000, 'grant', 'alice', 'arguments.ratingKey', canonicalDigest('12')]) }), expect.anything()] },
  ],
  [
    'per: a call without the value has its own "(absent)" budget',
    layered,
    call('rate_item', {}),
    { outcome: 'allow', budgets: [expect.objectContaining({ key: '["/tools/rate_item/limits/0",3600000,"grant","alice","arguments.ratingKey","(absent)"]' }), expect.anything()] },
  ],
];

describe('evaluate', () => {
  test.each(cases)('%s', (_name, policy, facts, expected) => {
    expect(evaluate(policy, facts)).toMatchObject(expected);
  });

  test('is deterministic: the same call gives the same decision, before and after caching', () => {
    const first = evaluate(layered, call('get_cook'));
    for (let index = 0; index < 3; index += 1) expect(evaluate(layered, call('get_cook'))).toEqual(first);
  });

  test('precedence does not depend on the order keys are written in', () => {
    const forwards = load({ version: '1', default: 'deny', tools: { 'get_*': {}, 'get_[ab]*': { action: 'deny' }, 'get_a?': {} } });
    const backwards = load({ version: '1', default: 'deny', tools: { 'get_a?': {}, 'get_[ab]*': { action: 'deny' }, 'get_*': {} } });
    for (const tool of ['get_ab', 'get_b', 'get_abc', 'get_x', 'get_a']) {
      expect(evaluate(backwards, call(tool))).toEqual(evaluate(forwards, call(tool)));
    }
    // "get_[ab]*" has as many literal characters as "get_*" and more wildcards: it ranks last.
    expect(forwards.rules.map((rule) => rule.key)).toEqual(['get_a?', 'get_*', 'get_[ab]*']);
  });

  test('only one rule decides: limits of a less specific matching rule do not apply', () => {
    const policy = load({
      version: '1',
      default: 'deny',
      tools: { '*': { limits: [{ window: 'minute', max: 1 }] }, search: { limits: [{ window: 'minute', max: 5 }] } },
    });
    const decision = evaluate(policy, call('search'));
    expect(decision.outcome === 'allow' && decision.budgets.map((budget) => budget.rule)).toEqual(['/tools/search/limits/0']);
  });

  test('a pattern rule has one budget for all the tools it decides', () => {
    const policy = load({ version: '1', default: 'deny', tools: { 'playlist_*': { limits: [{ window: 'minute', max: 10 }] } } });
    const a = evaluate(policy, call('playlist_add'));
    const b = evaluate(policy, call('playlist_remove'));
    expect(a.outcome === 'allow' && a.budgets[0]?.key).toBe(b.outcome === 'allow' && b.budgets[0]?.key);
    expect(a.outcome === 'allow' && a.budgets[0]?.description).toBe('at most 10 calls per minute for tools matching playlist_*');
  });

  test('limits naming the same counter share one key; the strictest max applies when one call claims it twice', () => {
    const policy = load({
      version: '1',
      default: 'allow',
      limits: [{ counter: 'plex', window: 'minute', max: 100 }],
      tools: { search: { limits: [{ counter: 'plex', window: 'minute', max: 20 }] }, browse: { limits: [{ counter: 'plex', window: 'minute', max: 50 }] } },
    });
    const search = evaluate(policy, call('search'));
    const browse = evaluate(policy, call('browse'));
    expect(search.outcome === 'allow' && search.budgets.map((budget) => [budget.key, budget.max])).toEqual([['["plex",60000,"grant","alice"]', 20]]);
    expect(browse.outcome === 'allow' && browse.budgets.map((budget) => [budget.key, budget.max])).toEqual([['["plex",60000,"grant","alice"]', 50]]);
  });

  test('scopes: grant budgets differ per grant, session budgets per session, global ones are shared', () => {
    const policy = load({
      version: '1',
      default: 'allow',
      limits: [
        { window: 'minute', max: 1, scope: 'grant' },
        { window: 'minute', max: 1, scope: 'session' },
        { window: 'minute', max: 1, scope: 'global' },
      ],
    });
    const keys = (facts: CallFacts): string[] => {
      const decision = evaluate(policy, facts);
      return decision.outcome === 'allow' ? decision.budgets.map((budget) => budget.key) : [];
    };
    const [grantA, sessionA, globalA] = keys(call('x', {}, { grant: 'a', session: 's1' }));
    const [grantB, sessionB, globalB] = keys(call('x', {}, { grant: 'b', session: 's2' }));
    expect(grantA).not.toBe(grantB);
    expect(sessionA).not.toBe(sessionB);
    expect(globalA).toBe(globalB);
  });

  test('per values are compared as canonical JSON: key order in an object does not matter, types do', () => {
    const policy = load({ version: '1', default: 'allow', limits: [{ window: 'minute', max: 1, per: 'arguments.filter' }] });
    const key = (args: unknown): string | undefined => {
      const decision = evaluate(policy, call('x', args));
      return decision.outcome === 'allow' ? decision.budgets[0]?.key : undefined;
    };
    expect(key({ filter: { a: 1, b: 2 } })).toBe(key({ filter: { b: 2, a: 1 } }));
    expect(key({ filter: 12 })).not.toBe(key({ filter: '12' }));
    expect(key({ filter: null })).not.toBe(key({}));
    expect(key({ filter: '(absent)' })).not.toBe(key({}));
  });

  test('per "tool" counts each tool separately; per paths index arrays and ignore inherited properties', () => {
    const policy = load({
      version: '1',
      default: 'allow',
      limits: [
        { window: 'minute', max: 1, per: 'tool' },
        { window: 'minute', max: 1, per: 'arguments.items.1' },
        { window: 'minute', max: 1, per: 'arguments.constructor' },
      ],
    });
    const decision = evaluate(policy, call('search', { items: ['a', 'b'] }));
    const ends = decision.outcome === 'allow' ? decision.budgets.map((budget) => JSON.parse(budget.key).slice(-2)) : [];
    expect(ends).toEqual([
      ['tool', canonicalDigest('search')],
      ['arguments.items.1', canonicalDigest('b')],
      ['arguments.constructor', '(absent)'],
    ]);
  });

  test('a denying rule claims no budgets', () => {
    const decision = evaluate(layered, call('delete_item'));
    expect('budgets' in decision).toBe(false);
  });

  test('timeout is in milliseconds', () => {
    const policy = load({ version: '1', default: 'deny', tools: { slow: { timeout: 0.25 } } });
    expect(evaluate(policy, call('slow'))).toMatchObject({ outcome: 'allow', timeoutMs: 250 });
  });
});

describe('input_schema: enforce', () => {
  const policy = load({ version: '1', default: 'allow', input_schema: 'enforce', tools: { search: { arguments: { required: ['query'] } } } });
  const advertised = compileAdvertisedSchemas([
    { name: 'search', inputSchema: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1 } } } },
    { name: 'broken', inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } },
  ]);

  test('a call that matches the advertised schema and the rule is allowed', () => {
    expect(evaluate(policy, call('search', { query: 'x' }, { advertisedSchema: advertised.get('search') }))).toMatchObject({ outcome: 'allow' });
  });

  test('a call outside the advertised schema is denied with cause input-schema, checked before the rule', () => {
    expect(evaluate(policy, call('search', { limit: -1 }, { advertisedSchema: advertised.get('search') }))).toEqual({
      outcome: 'deny',
      rule: '/input_schema',
      cause: 'input-schema',
      hidden: false,
      reason: 'arguments of search do not match its input schema: /limit must be >= 1',
      violations: ['/limit must be >= 1'],
    });
  });

  test('the rule\'s own arguments schema still applies', () => {
    expect(evaluate(policy, call('search', {}, { advertisedSchema: advertised.get('search') }))).toMatchObject({
      outcome: 'deny',
      cause: 'arguments',
      violations: ['arguments must have property "query"'],
    });
  });

  test('fails closed when the tool was never advertised', () => {
    expect(evaluate(policy, call('search', { query: 'x' }))).toMatchObject({ outcome: 'deny', cause: 'input-schema', rule: '/input_schema' });
  });

  test('fails closed when the advertised schema does not compile', () => {
    const decision = evaluate(policy, call('broken', {}, { advertisedSchema: advertised.get('broken') }));
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'input-schema' });
    expect(decision.outcome === 'deny' && decision.reason).toMatch(/^broken cannot be called: its inputSchema does not compile/);
  });

  test('fails closed, saying why, when the advertised schema has a pattern linear-time matching cannot run', () => {
    const advertisedRead = compileAdvertisedSchemas([{ name: 'read', inputSchema: { properties: { path: { pattern: '^(?!/etc/)' } } } }]).get('read');
    const decision = evaluate(policy, call('read', { path: '/tmp/x' }, { advertisedSchema: advertisedRead }));
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'input-schema', rule: '/input_schema' });
    expect(decision.outcome === 'deny' && decision.reason).toBe(
      'read cannot be called: its inputSchema\'s pattern "^(?!/etc/)" uses a lookahead, which linear-time matching (RE2) cannot run (input_schema is "enforce")',
    );
  });

  test('a tool denied by name is denied by its rule, not by the schema check', () => {
    const strict = load({ version: '1', default: 'deny', input_schema: 'enforce' });
    expect(evaluate(strict, call('search', {}))).toMatchObject({ cause: 'default' });
  });
});

describe('isHidden', () => {
  test.each([
    ['delete_item', true],
    ['get_secret_key', false],
    ['get_cook', false],
    ['get_aook', true],
    ['get_recently_added', false],
  ] as const)('%s -> %s', (tool, hidden) => {
    expect(isHidden(layered, tool)).toBe(hidden);
  });

  test('tools denied by default are hidden; nothing is hidden in monitor mode', () => {
    expect(isHidden(trakt, 'trakt_complete_auth')).toBe(true);
    expect(isHidden(trakt, 'trakt_authenticate')).toBe(false);
    const monitor = load({ version: '1', default: 'deny', mode: 'monitor' });
    expect(isHidden(monitor, 'anything')).toBe(false);
    expect(evaluate(monitor, call('anything'))).toMatchObject({ outcome: 'deny', hidden: true });
  });
});

describe('describeTool', () => {
  test('says what the policy does with an allowed tool', () => {
    expect(describeTool(layered, 'get_recently_added')).toEqual({
      tool: 'get_recently_added',
      rule: '/tools/get_recently_added',
      action: 'allow',
      hidden: false,
      budgets: ['at most 50 calls per second for all tools, across all clients'],
      argumentsChecked: true,
      inputSchemaChecked: false,
    });
    const stats = describeTool(layered, 'get_secret_stats');
    expect(stats.budgets).toEqual([
      'at most 3 calls per 90 seconds for tools matching get_?ecret_stats, per session',
      'at most 50 calls per second for all tools, across all clients',
    ]);
    expect(stats.timeoutMs).toBeUndefined();
    expect(describeTool(layered, 'get_libraries')).toMatchObject({ timeoutMs: 5000 });
  });

  test('says what the policy does with a denied tool', () => {
    expect(describeTool(layered, 'get_aook')).toEqual({
      tool: 'get_aook',
      rule: '/tools/get_[ab]ook',
      action: 'deny',
      reason: 'books are closed',
      hidden: true,
      budgets: [],
      argumentsChecked: false,
      inputSchemaChecked: false,
    });
    expect(describeTool(trakt, 'other')).toMatchObject({ rule: '(default)', action: 'deny', hidden: true });
  });
});

describe('compiling through loadPolicyText', () => {
  const problemsOf = (document: object): string[] => {
    const result = loadPolicyText(JSON.stringify(document), 'test.json');
    return result.ok ? [] : result.problems.map((problem) => `${problem.code}: ${problem.message}`);
  };

  test('compiles a document built in code', () => {
    const document: PolicyDocument = { version: '1', default: 'allow', tools: { x: { action: 'deny' } } };
    expect(evaluate(load(document), call('x'))).toMatchObject({ outcome: 'deny', cause: 'rule' });
  });

  test('reports every issue of a document that cannot compile', () => {
    const document = { version: '1', default: 'allow', tools: { '[': {}, y: { arguments: { type: 'object', maxLenght: 3 } } } };
    const codes = problemsOf(document).map((problem) => problem.split(':')[0]);
    expect(codes).toEqual(expect.arrayContaining(['policy.bad-glob', 'policy.bad-arguments-schema']));
  });

  test('a pattern linear-time matching cannot run is an issue of its own', () => {
    const document = { version: '1', default: 'allow', tools: { y: { arguments: { properties: { a: { type: 'string', pattern: '(a)\\1' } } } } } };
    expect(problemsOf(document)).toEqual([expect.stringMatching(/^policy\.unsupported-pattern: "pattern" "\(a\)\\\\1" uses a backreference/)]);
  });
});
