import {
  describeInSection,
  evaluatePrompt,
  evaluateResource,
  isPromptHidden,
  isResourceHidden,
  isTemplateHidden,
  loadPolicyText,
  type CompiledPolicy,
  type Problem,
} from '../../../src/policy/index.js';

function load(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'test.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

type Located = [code: string, line: number, column: number, message: string];

function problems(text: string): Located[] {
  const result = loadPolicyText(text, 'sections.json');
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.problems.map((problem: Problem) => [problem.code, problem.line, problem.column, problem.message]);
}

function warnings(text: string): Located[] {
  const result = loadPolicyText(text, 'sections.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.warnings.map((warning: Problem) => [warning.code, warning.line, warning.column, warning.message]);
}

const who = { grant: 'alice', session: 's1' };

describe('resources and prompts: the schema', () => {
  test('a misspelt section field is located, with a did-you-mean', () => {
    const found = problems('{"version":"1","default":"deny",\n"resources":{"defualt":"allow"}}');
    expect(found).toEqual([['policy.unknown-field', 2, 14, expect.stringContaining('(did you mean "default"?)')]]);
  });

  test('a rule field of another section is refused where it is written', () => {
    const found = problems('{"version":"1","default":"deny",\n"prompts":{"rules":{"p":{"timeout":3}}},\n"resources":{"rules":{"r:x":{"arguments":{}}}}}');
    expect(found.map(([code, line]) => [code, line])).toEqual([
      ['policy.unknown-field', 2],
      ['policy.unknown-field', 3],
    ]);
  });

  test('patterns as keys at the section level are refused: rules go under "rules"', () => {
    const found = problems('{"version":"1","default":"deny","resources":{"file:///x":{}}}');
    expect(found.map(([code]) => code)).toEqual(['policy.unknown-field']);
  });

  test('a bad pattern in a section is located at its key', () => {
    const found = problems('{"version":"1","default":"deny",\n"resources":{"rules":{"file:///[":{}}}}');
    expect(found).toEqual([['policy.bad-glob', 2, 23, expect.stringContaining('bad pattern "file:///["')]]);
  });

  test('a bad arguments schema of a prompt rule is located inside it', () => {
    const found = problems('{"version":"1","default":"deny","prompts":{"rules":{"p":{"arguments":{"minLength":"two"}}}}}');
    expect(found).toEqual([[expect.stringMatching(/^policy\./), 1, expect.any(Number), expect.stringContaining('/prompts/rules/p/arguments/minLength')]]);
  });
});

describe('resources: evaluate', () => {
  const policy = load({
    version: '1',
    default: 'deny',
    tools: { '*': {} },
    resources: {
      rules: {
        'file:///srv/docs/*': { limits: [{ window: 'hour', max: 5 }], timeout: 2 },
        'file:///srv/docs/secret*': { action: 'deny', reason: 'not the secrets', hide: false },
        'file:///srv/private/*': { action: 'deny' },
        'file:///srv/ask/*': { action: 'ask', approval: { remember: 'session' } },
      },
    },
  });

  test('without its own default, the section follows the top-level default: unlisted URIs are denied and hidden', () => {
    const decision = evaluateResource(policy, { uri: 'file:///etc/passwd', ...who });
    expect(decision).toEqual({ outcome: 'deny', rule: '(default)', cause: 'default', reason: 'resource file:///etc/passwd is not allowed by the policy (default: deny)', hidden: true });
    expect(isResourceHidden(policy, 'file:///etc/passwd')).toBe(true);
  });

  test('an allowed URI claims its rule\'s limits only (top-level limits are for tools), with its timeout', () => {
    const decision = evaluateResource(policy, { uri: 'file:///srv/docs/a.md', ...who });
    expect(decision).toMatchObject({ outcome: 'allow', rule: '/resources/rules/file:~1~1~1srv~1docs~1*', timeoutMs: 2000 });
    expect(decision.outcome === 'allow' && decision.budgets.map((budget) => [budget.rule, budget.max])).toEqual([['/resources/rules/file:~1~1~1srv~1docs~1*/limits/0', 5]]);
  });

  test('the most specific rule decides; a denied rule with hide false stays visible and gives its reason', () => {
    const decision = evaluateResource(policy, { uri: 'file:///srv/docs/secret.txt', ...who });
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'rule', reason: 'not the secrets', hidden: false });
    expect(isResourceHidden(policy, 'file:///srv/docs/secret.txt')).toBe(false);
    expect(isResourceHidden(policy, 'file:///srv/private/key')).toBe(true);
  });

  test('an ask rule allows with its approval', () => {
    const decision = evaluateResource(policy, { uri: 'file:///srv/ask/x', ...who });
    expect(decision).toMatchObject({ outcome: 'allow', approval: { remember: { kind: 'session' } } });
  });

  test('a template is judged by its string read as a URI', () => {
    expect(isTemplateHidden(policy, 'file:///srv/docs/{name}')).toBe(false);
    expect(isTemplateHidden(policy, 'file:///srv/private/{name}')).toBe(true);
    expect(isTemplateHidden(policy, 'db://{table}')).toBe(true);
  });

  test('its own default overrides the top-level one, and the decision points at it', () => {
    const open = load({ version: '1', default: 'deny', resources: { default: 'allow' }, prompts: { default: 'deny' } });
    expect(evaluateResource(open, { uri: 'x://y', ...who })).toMatchObject({ outcome: 'allow', rule: '/resources/default', budgets: [] });
    expect(evaluatePrompt(open, { name: 'p', arguments: {}, ...who })).toMatchObject({ outcome: 'deny', rule: '/prompts/default', reason: 'prompt p is not allowed by the policy (prompts.default: deny)' });
    const closed = load({ version: '1', default: 'allow', resources: { default: 'deny' } });
    expect(evaluateResource(closed, { uri: 'x://y', ...who })).toMatchObject({ outcome: 'deny', rule: '/resources/default', hidden: true });
    expect(evaluatePrompt(closed, { name: 'p', arguments: {}, ...who })).toMatchObject({ outcome: 'allow', rule: '(default)' });
  });

  test('monitor mode hides nothing', () => {
    const monitor = load({ version: '1', default: 'deny', mode: 'monitor' });
    expect(isResourceHidden(monitor, 'x://y')).toBe(false);
    expect(isPromptHidden(monitor, 'p')).toBe(false);
  });

  test('a limit naming a tool\'s counter shares its budget key', () => {
    const shared = load({
      version: '1',
      default: 'deny',
      tools: { fetch: { limits: [{ counter: 'reads', window: 'minute', max: 3 }] } },
      resources: { rules: { 'https://*': { limits: [{ counter: 'reads', window: 'minute', max: 3 }] } } },
    });
    const read = evaluateResource(shared, { uri: 'https://example.com', ...who });
    expect(read.outcome).toBe('allow');
    const claim = read.outcome === 'allow' ? read.budgets[0] : undefined;
    expect(claim?.counter).toBe('reads');
    expect(claim?.key).toContain('"reads"');
  });
});

describe('prompts: evaluate', () => {
  const policy = load({
    version: '1',
    default: 'allow',
    prompts: {
      default: 'deny',
      rules: {
        'summary-*': { arguments: { type: 'object', properties: { lang: { enum: ['en', 'fr'] } } }, limits: [{ window: 'minute', max: 2, per: 'arguments.lang' }] },
        debug: { action: 'deny', reason: 'debug prompts are off' },
        review: { action: 'ask' },
      },
    },
  });

  test('arguments are checked against the rule\'s schema', () => {
    const decision = evaluatePrompt(policy, { name: 'summary-short', arguments: { lang: 'de' }, ...who });
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'arguments', rule: '/prompts/rules/summary-*/arguments', hidden: false, violations: ['/lang must be one of "en", "fr"'] });
  });

  test('allowed arguments claim per-value budgets', () => {
    const en = evaluatePrompt(policy, { name: 'summary-short', arguments: { lang: 'en' }, ...who });
    const fr = evaluatePrompt(policy, { name: 'summary-short', arguments: { lang: 'fr' }, ...who });
    expect(en.outcome === 'allow' && fr.outcome === 'allow' && en.budgets[0]?.key !== fr.budgets[0]?.key).toBe(true);
  });

  test('a denied rule hides by default and gives its reason; ask carries the approval', () => {
    expect(evaluatePrompt(policy, { name: 'debug', arguments: undefined, ...who })).toMatchObject({ outcome: 'deny', cause: 'rule', reason: 'debug prompts are off', hidden: true });
    expect(isPromptHidden(policy, 'debug')).toBe(true);
    expect(isPromptHidden(policy, 'other')).toBe(true);
    expect(isPromptHidden(policy, 'summary-x')).toBe(false);
    expect(evaluatePrompt(policy, { name: 'review', arguments: {}, ...who })).toMatchObject({ outcome: 'allow', approval: { remember: { kind: 'call' } } });
  });

  test('describeInSection says what a person reads in explain', () => {
    expect(describeInSection(policy, 'prompts', 'summary-a')).toMatchObject({ action: 'allow', argumentsChecked: true, hidden: false });
    expect(describeInSection(policy, 'prompts', 'nope')).toMatchObject({ action: 'deny', rule: '/prompts/default', hidden: true });
  });
});

describe('resources and prompts: lint', () => {
  test('a resource pattern that can never match a URI is a located warning', () => {
    const found = warnings('{"version":"1","default":"deny",\n"resources":{"rules":{"/srv/docs/*":{},"readme":{}}}}');
    expect(found.map(([code, line]) => [code, line])).toEqual([
      ['lint.not-a-uri', 2, 23],
      ['lint.not-a-uri', 2, 40],
    ].map(([code, line]) => [code, line]));
    expect(found[0]?.[3]).toContain('starts with "/"');
    expect(found[1]?.[3]).toContain('no ":"');
  });

  test('fields a rule never uses are warned about', () => {
    const found = warnings(
      '{"version":"1","default":"deny",\n"resources":{"rules":{"file:///a":{"action":"deny","limits":[{"window":"hour","max":1}],"timeout":3},"file:///b":{"hide":true,"reason":"x"}}},\n"prompts":{"rules":{"p":{"action":"deny","arguments":{}}}}}',
    );
    expect(found.map(([code, line]) => [code, line])).toEqual([
      ['lint.deny-with-limits', 2],
      ['lint.ignored-field', 2],
      ['lint.ignored-field', 2],
      ['lint.ignored-field', 2],
      ['lint.ignored-field', 3],
    ]);
  });

  test('well-formed sections are quiet', () => {
    expect(warnings('{"version":"1","default":"deny","resources":{"default":"allow","rules":{"file:///srv/*":{"action":"deny"}}},"prompts":{"rules":{"*":{}}}}')).toEqual([]);
  });
});
