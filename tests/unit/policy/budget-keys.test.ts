import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalDigest, evaluate, loadPolicyFile, loadPolicyText, namespaceOfFile, type CallFacts, type CompiledPolicy } from '../../../src/policy/index.js';

const call = (args: unknown, tool = 'sign_in'): CallFacts => ({ tool, arguments: args, grant: 'alice', session: 's1' });

function keysOf(policy: CompiledPolicy, facts: CallFacts): string[] {
  const decision = evaluate(policy, facts);
  if (decision.outcome !== 'allow') throw new Error(`expected an allow, got ${decision.reason}`);
  return decision.budgets.map((budget) => budget.key);
}

function fromText(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'inline.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.policy;
}

function fromFile(file: string): CompiledPolicy {
  const result = loadPolicyFile(file);
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.policy;
}

const perToken = { version: '1', default: 'allow', limits: [{ window: 'minute', max: 3, per: 'arguments.token' }] };
const named = { version: '1', default: 'allow', limits: [{ counter: 'shared', window: 'minute', max: 3 }] };

describe('budget keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a per value is kept as the digest of its canonical JSON, never as itself', () => {
    const secret = 'tok-3f9a1c-never-store-me';
    const [key] = keysOf(fromText(perToken), call({ token: secret }));
    expect(key).not.toContain(secret);
    expect(JSON.parse(key as string)).toEqual(['/limits/0', 60_000, 'grant', 'alice', 'arguments.token', canonicalDigest(secret)]);
  });

  test('equal values in any key order share a budget, different values do not, and a large value gives a short key', () => {
    const policy = fromText({ version: '1', default: 'allow', limits: [{ window: 'minute', max: 3, per: 'arguments' }] });
    const [a] = keysOf(policy, call({ x: 1, y: [1, 2] }));
    const [b] = keysOf(policy, call({ y: [1, 2], x: 1 }));
    const [c] = keysOf(policy, call({ x: 1, y: [2, 1] }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const [big] = keysOf(policy, call({ blob: 'x'.repeat(8 * 1024 * 1024) }));
    expect((big as string).length).toBeLessThan(200);
  });

  test('a value that is absent keeps its own budget, apart from every value', () => {
    const [absent] = keysOf(fromText(perToken), call({}));
    expect(JSON.parse(absent as string).at(-1)).toBe('(absent)');
    expect(absent).not.toBe(keysOf(fromText(perToken), call({ token: '(absent)' }))[0]);
  });

  test('a policy file without namespace gets one from its real path: the same file (or a link to it) gives the same keys, another file other keys', () => {
    const first = join(dir, 'a.json');
    const second = join(dir, 'b.json');
    writeFileSync(first, JSON.stringify(named));
    writeFileSync(second, JSON.stringify(named));
    symlinkSync(first, join(dir, 'link.json'));
    const keyOf = (file: string): string => keysOf(fromFile(file), call({}))[0] as string;
    expect(fromFile(first).namespace).toBe(namespaceOfFile(first));
    expect(JSON.parse(keyOf(first))).toEqual([namespaceOfFile(first), 'shared', 60_000, 'grant', 'alice']);
    expect(keyOf(join(dir, 'link.json'))).toBe(keyOf(first));
    expect(keyOf(join(dir, '.', 'a.json'))).toBe(keyOf(first));
    expect(keyOf(second)).not.toBe(keyOf(first));
  });

  test('an explicit counter is namespaced too; two files that set the same namespace share it on purpose', () => {
    const one = join(dir, 'one.json');
    const two = join(dir, 'two.json');
    writeFileSync(one, JSON.stringify({ ...named, namespace: 'plex' }));
    writeFileSync(two, JSON.stringify({ ...named, namespace: 'plex' }));
    const [keyOne] = keysOf(fromFile(one), call({}));
    expect(keysOf(fromFile(two), call({}))).toEqual([keyOne]);
    expect(JSON.parse(keyOne as string)).toEqual(['plex', 'shared', 60_000, 'grant', 'alice']);
    writeFileSync(two, JSON.stringify({ ...named, namespace: 'jellyfin' }));
    expect(keysOf(fromFile(two), call({}))).not.toEqual([keyOne]);
  });

  test('keys of a policy with a namespace never equal keys of one without', () => {
    // Without: [counter, window, ...]; with: [namespace, counter, window, ...].
    const without = keysOf(fromText({ version: '1', default: 'allow', limits: [{ counter: 'n', window: 60, max: 1, scope: 'global' }] }), call({}));
    const withOne = keysOf(fromText({ version: '1', default: 'allow', namespace: 'n', limits: [{ counter: '60000', window: 60, max: 1, scope: 'global' }] }), call({}));
    expect(without).not.toEqual(withOne);
    expect(JSON.parse(withOne[0] as string)[2]).toBe(60_000);
  });

  test('namespace is an optional non-empty string; the README example stays valid as it is', () => {
    const example = '{"version":"1","default":"deny","tools":{"trakt_authenticate":{"limits":[{"counter":"trakt_authenticate_rate","window":"minute","max":10,"scope":"grant"}]}}}';
    expect(loadPolicyText(example, 'example.json').ok).toBe(true);
    const empty = loadPolicyText('{"version":"1","default":"allow","namespace":""}', 'empty.json');
    expect(empty.ok ? [] : empty.problems.map((problem) => [problem.code, problem.line, problem.column])).toEqual([['policy.schema', 1, 46]]);
    const wrongType = loadPolicyText('{"version":"1","default":"allow","namespace":7}', 'seven.json');
    expect(wrongType.ok).toBe(false);
  });
});
