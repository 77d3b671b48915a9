import { compileRedaction, redactAnswer, redactText, redactValue, type Redaction } from '../../../src/policy/redaction.js';
import { evaluateServerRequest, formatProblem, loadPolicyText, type PolicyDocument } from '../../../src/policy/index.js';
import type { RedactEntry } from '../../../src/policy/types.js';

function compiled(entries: RedactEntry[]): Redaction {
  const result = compileRedaction(entries);
  if ('issues' in result) throw new Error(JSON.stringify(result.issues));
  return result.redaction;
}

function load(document: unknown): ReturnType<typeof loadPolicyText> {
  return loadPolicyText(JSON.stringify(document, null, 2), 'policy.json');
}

function problems(document: unknown): string[] {
  const loaded = load(document);
  return loaded.ok ? loaded.warnings.map(formatProblem) : loaded.problems.map(formatProblem);
}

describe('redact: patterns', () => {
  test('every match is replaced, literally ($1 is not a group reference), and counted', () => {
    const redaction = compiled([{ pattern: 'sk-[a-z0-9]+', replace: '<$1>' }]);
    expect(redactText(redaction, 'a sk-abc and sk-def2, not sk-')).toEqual({ text: 'a <$1> and <$1>, not sk-', replaced: 2 });
  });

  test('RE2 syntax: (?i) and \\b; the default replacement', () => {
    const redaction = compiled([{ pattern: '(?i)\\bpassword\\b' }]);
    expect(redactText(redaction, 'Password, PASSWORDS, password')).toEqual({ text: '[redacted], PASSWORDS, [redacted]', replaced: 2 });
  });

  test('a pattern that matches the empty string replaces only what it matches with at least one character', () => {
    expect(redactText(compiled([{ pattern: 'x*' }]), 'abxxc')).toEqual({ text: 'ab[redacted]c', replaced: 1 });
  });

  test('linear time: a pattern that backtracks exponentially in JavaScript finishes at once', () => {
    const text = `${'a'.repeat(50_000)}!`;
    expect(redactText(compiled([{ pattern: '(a|aa)+$' }]), text).replaced).toBe(0);
  });

  test('text beyond the Basic Multilingual Plane keeps its characters around a match', () => {
    expect(redactText(compiled([{ pattern: 'secret' }]), '😀secret😀').text).toBe('😀[redacted]😀');
  });
});

describe('redact: detectors', () => {
  const members = compiled([{ detector: 'secret-members' }]);

  test('secret-members in a structured value: every string under a member whose name says token, secret, password, passwd or api key', () => {
    const seen = { replaced: 0 };
    const value = {
      access_token: 'x1',
      nested: { Client_Secret: 'x2', list: [{ password: 'x3' }], apiKey: 'x4', 'api-key': 'x5', passwd: 'x6' },
      tokens: ['x7', { deep: 'x8' }],
      expires_in: 3600,
      max_tokens: 10,
      name: 'ada',
      empty_token: '',
    };
    expect(redactValue(members, value, seen)).toEqual({
      access_token: '[redacted]',
      nested: { Client_Secret: '[redacted]', list: [{ password: '[redacted]' }], apiKey: '[redacted]', 'api-key': '[redacted]', passwd: '[redacted]' },
      tokens: ['[redacted]', { deep: '[redacted]' }],
      expires_in: 3600,
      max_tokens: 10,
      name: 'ada',
      empty_token: '',
    });
    expect(seen.replaced).toBe(8);
  });

  test('secret-members in text: JSON members, name: value and name=value of at least 8 characters', () => {
    expect(redactText(members, 'got {"refresh_token": "r\\"1", "user": "ada"} and API_KEY=sk0123456789 and token: short').text).toBe(
      'got {"refresh_token": "[redacted]", "user": "ada"} and API_KEY=[redacted] and token: short',
    );
    expect(redactText(members, 'Access Token: 0123456789abcdef').text).toBe('Access Token: [redacted]');
  });

  test('a "__proto__" member stays a member', () => {
    const value = JSON.parse('{"__proto__": {"token": "t"}}') as Record<string, unknown>;
    const out = redactValue(members, value, { replaced: 0 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"token":"[redacted]"}}');
  });

  test('pem-private-keys: a whole block, and one cut short up to the end of the text; certificates stay', () => {
    const pem = compiled([{ detector: 'pem-private-keys' }]);
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactText(pem, `a\n${key}\nb`)).toEqual({ text: 'a\n[redacted]\nb', replaced: 1 });
    expect(redactText(pem, 'x -----BEGIN PRIVATE KEY-----\nMIIE...').text).toBe('x [redacted]');
    const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(redactText(pem, certificate).replaced).toBe(0);
  });

  test('bearer-tokens: the token after Bearer, any case', () => {
    const bearer = compiled([{ detector: 'bearer-tokens' }]);
    expect(redactText(bearer, 'Authorization: Bearer eyJ.abc-_~+/= next; bearer x')).toEqual({ text: 'Authorization: Bearer [redacted] next; bearer [redacted]', replaced: 2 });
  });
});

describe('redactAnswer', () => {
  const redaction = compiled([{ detector: 'secret-members' }, { detector: 'bearer-tokens' }]);

  test('text items, resource texts and structuredContent; other items and members untouched', () => {
    const result = {
      content: [
        { type: 'text', text: '{"access_token":"a","ok":true}' },
        { type: 'text', text: '{\n  "password": "p"\n}' },
        { type: 'resource', resource: { uri: 'file:///x', text: 'Bearer abc' } },
        { type: 'image', data: 'Bearer abc', mimeType: 'image/png' },
      ],
      structuredContent: { secret: 's', list: ['Bearer q'] },
      isError: false,
      _meta: { token: 'kept: not content' },
    };
    const done = redactAnswer(redaction, { result });
    expect(done.replaced).toBe(5);
    expect(done.answer).toEqual({
      result: {
        content: [
          { type: 'text', text: '{"access_token":"[redacted]","ok":true}' },
          { type: 'text', text: '{\n  "password": "[redacted]"\n}' },
          { type: 'resource', resource: { uri: 'file:///x', text: 'Bearer [redacted]' } },
          { type: 'image', data: 'Bearer abc', mimeType: 'image/png' },
        ],
        structuredContent: { secret: '[redacted]', list: ['Bearer [redacted]'] },
        isError: false,
        _meta: { token: 'kept: not content' },
      },
    });
  });

  test('nothing to replace: the very answer object, 0 replaced', () => {
    const answer = { result: { content: [{ type: 'text', text: 'fine' }] } };
    expect(redactAnswer(redaction, answer)).toEqual({ answer, replaced: 0 });
    expect(redactAnswer(redaction, answer).answer).toBe(answer);
  });

  test('an error: its message and data', () => {
    const done = redactAnswer(redaction, { error: { code: -32603, message: 'failed with Bearer abc', data: { api_key: 'k' } } });
    expect(done).toEqual({ answer: { error: { code: -32603, message: 'failed with Bearer [redacted]', data: { api_key: '[redacted]' } } }, replaced: 2 });
  });
});

describe('redact in a policy: schema, compile, lint', () => {
  const base = { version: '1', default: 'allow' };

  test('a valid redact loads, and the rule carries it compiled', () => {
    const loaded = load({ ...base, tools: { t: { redact: [{ pattern: 'a+' }, { detector: 'pem-private-keys', replace: '[key]' }] } } });
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.policy.ruleFor('t')?.redaction?.steps).toHaveLength(2);
  });

  test('a bad RE2 pattern is a located error', () => {
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'a(b' }] } } })).toEqual([
      expect.stringMatching(/^policy\.json:\d+:\d+: policy\.bad-pattern: bad pattern "a\(b" \(RE2 syntax\): missing closing \)/),
    ]);
  });

  test('lookaround, which RE2 cannot run, is a located error', () => {
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'a(?=b)' }] } } })).toEqual([expect.stringContaining('policy.bad-pattern')]);
  });

  test('both or neither of pattern and detector', () => {
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'a', detector: 'bearer-tokens' }] } } })).toEqual([expect.stringContaining('policy.conflicting-fields: give "pattern" or "detector", not both')]);
    expect(problems({ ...base, tools: { t: { redact: [{ replace: 'x' }] } } })).toEqual([expect.stringContaining('a redact entry needs "pattern"')]);
  });

  test('the schema: an unknown detector, an unknown field, too long a replacement', () => {
    expect(problems({ ...base, tools: { t: { redact: [{ detector: 'ssn' }] } } })).toEqual([expect.stringContaining('policy.schema')]);
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'a', with: 'b' }] } } })).toEqual([expect.stringContaining('with')]);
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'a', replace: 'x'.repeat(201) }] } } })).toHaveLength(1);
  });

  test('lint: redact on a denying rule never applies; a pattern that matches the empty string', () => {
    expect(problems({ ...base, tools: { d: { action: 'deny', redact: [{ detector: 'bearer-tokens' }] } } })).toEqual([
      expect.stringMatching(/^policy\.json:\d+:\d+: lint\.ignored-field: this rule denies every call, so "redact" never applies$/),
    ]);
    expect(problems({ ...base, tools: { t: { redact: [{ pattern: 'x*' }] } } })).toEqual([expect.stringMatching(/^policy\.json:\d+:\d+: lint\.redact-matches-empty: pattern "x\*" matches the empty string/)]);
  });
});

describe('server_requests', () => {
  const facts = { grant: 'g', session: 's', params: {} };

  function policyOf(document: Partial<PolicyDocument>) {
    const loaded = load({ version: '1', default: 'deny', ...document });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    return loaded.policy;
  }

  test('absent: every kind is allowed, whatever the top-level default; other methods are not governed', () => {
    const policy = policyOf({});
    expect(evaluateServerRequest(policy, { ...facts, method: 'sampling/createMessage' })).toEqual({ outcome: 'allow', kind: 'sampling', rule: '(default)', budgets: [] });
    expect(evaluateServerRequest(policy, { ...facts, method: 'ping' })).toEqual({ outcome: 'ungoverned' });
    expect(evaluateServerRequest(policy, { ...facts, method: 'constructor' })).toEqual({ outcome: 'ungoverned' });
  });

  test('deny with its reason or a default one; limits as budgets named for the request kind', () => {
    const policy = policyOf({ server_requests: { sampling: { action: 'deny', reason: 'no model spending' }, roots: { action: 'deny' }, elicitation: { limits: [{ window: 'hour', max: 10 }] } } });
    expect(evaluateServerRequest(policy, { ...facts, method: 'sampling/createMessage' })).toEqual({ outcome: 'deny', kind: 'sampling', rule: '/server_requests/sampling', reason: 'no model spending' });
    expect(evaluateServerRequest(policy, { ...facts, method: 'roots/list' })).toMatchObject({ outcome: 'deny', reason: expect.stringContaining('roots/list') });
    const elicitation = evaluateServerRequest(policy, { ...facts, method: 'elicitation/create' });
    expect(elicitation).toMatchObject({ outcome: 'allow', rule: '/server_requests/elicitation', budgets: [{ max: 10, rule: '/server_requests/elicitation/limits/0', description: 'at most 10 requests per hour for elicitation/create from the server' }] });
  });

  test('schema: an unknown kind or action is an error', () => {
    expect(problems({ version: '1', default: 'allow', server_requests: { logging: {} } })).toEqual([expect.stringContaining('policy.unknown-field')]);
    expect(problems({ version: '1', default: 'allow', server_requests: { sampling: { action: 'ask' } } })).toHaveLength(1);
  });

  test('lint: limits on a denying rule, a reason on an allowing one', () => {
    expect(problems({ version: '1', default: 'deny', server_requests: { sampling: { action: 'deny', limits: [{ window: 'hour', max: 1 }] }, roots: { reason: 'r' } } })).toEqual([
      expect.stringContaining('lint.deny-with-limits: this rule refuses every request'),
      expect.stringContaining('lint.ignored-field: "reason" is told to the server'),
    ]);
  });
});
