import { Replayer } from '../../../src/audit/replay.js';
import type { LoggedCall } from '../../../src/audit/logged-call.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';
import { forwarded, logged, refused } from './calls.js';

function policy(document: unknown): CompiledPolicy {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json', { defaultNamespace: 'test' });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.policy;
}

function replay(document: unknown, calls: readonly LoggedCall[]) {
  const replayer = new Replayer(policy(document), new MemoryStore());
  for (const call of calls) replayer.add(call);
  return replayer.finish();
}

describe('audit replay', () => {
  test('a limit is counted on the recorded times: the third call in a minute is refused, a call a minute later is not', () => {
    const calls = [forwarded(0, 'echo'), forwarded(10_000, 'echo'), forwarded(20_000, 'echo'), forwarded(60_001, 'echo')];
    const result = replay({ version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 2 }] } } }, calls);
    expect(result.newlyRefused.map((call) => [call.line, call.now])).toEqual([
      [calls[2]?.line, { status: 'refused', cause: 'limit', rule: '/tools/echo/limits/0', reason: 'at most 2 calls per minute for echo' }],
    ]);
    expect(result).toMatchObject({ calls: 4, unchanged: 3, refused: 1, newlyAllowed: [], unknown: [] });
    expect(result.byTool.echo?.newlyRefused).toEqual({ limit: 1 });
  });

  test('denied by a rule or the default: newly refused; what was refused and is now allowed: newly allowed', () => {
    const calls = [forwarded(0, 'delete'), forwarded(1, 'other'), refused(2, 'echo', 'deny', 'rule'), refused(3, 'echo', 'limited', 'limit')];
    const result = replay({ version: '1', default: 'deny', tools: { delete: { action: 'deny' }, echo: {} } }, calls);
    expect(result.newlyRefused.map((call) => [call.tool, call.now.status === 'refused' && call.now.cause])).toEqual([
      ['delete', 'rule'],
      ['other', 'default'],
    ]);
    expect(result.newlyAllowed.map((call) => call.tool)).toEqual(['echo', 'echo']);
  });

  test('refusals that were not the policy (store, audit) compare as allowed', () => {
    const result = replay({ version: '1', default: 'allow', tools: { echo: {} } }, [refused(0, 'echo', 'store-unavailable', 'store'), refused(1, 'echo', 'audit-unavailable', 'audit')]);
    expect(result).toMatchObject({ unchanged: 2, newlyAllowed: [], newlyRefused: [] });
  });

  test('an arguments schema without argument values in the log: unknown, never guessed, and not counted', () => {
    const strict = { version: '1', default: 'allow', tools: { search: { arguments: { type: 'object', properties: { limit: { maximum: 10 } } }, limits: [{ window: 'minute', max: 1 }] } } };
    const result = replay(strict, [forwarded(0, 'search', { argumentKeys: ['limit'] }), forwarded(1, 'search', { argumentKeys: ['limit'] })]);
    expect(result.unknown).toHaveLength(2);
    expect(result.unknown[0]?.now).toEqual({ status: 'unknown', why: expect.stringMatching(/checks argument values/) });
    expect(result.notes.join('\n')).toMatch(/--audit-arguments/);
  });

  test('with argument values in the log (--audit-arguments) the same calls are decided', () => {
    const strict = { version: '1', default: 'allow', tools: { search: { arguments: { type: 'object', properties: { limit: { maximum: 10 } } } } } };
    const result = replay(strict, [forwarded(0, 'search', { arguments: { limit: 5 } }), forwarded(1, 'search', { arguments: { limit: 50 } })]);
    expect(result.unknown).toEqual([]);
    expect(result.newlyRefused.map((call) => call.now)).toEqual([expect.objectContaining({ status: 'refused', cause: 'arguments' })]);
  });

  test('a limit counted per argument value: unknown when the call had that argument, decided when it did not', () => {
    const perKey = { version: '1', default: 'allow', tools: { rate: { limits: [{ window: 'minute', max: 1, per: 'arguments.ratingKey' }] } } };
    const result = replay(perKey, [forwarded(0, 'rate', { argumentKeys: ['ratingKey'] }), forwarded(1, 'rate', { argumentKeys: [] }), forwarded(2, 'rate', { argumentKeys: [] })]);
    expect(result.unknown.map((call) => call.now)).toEqual([{ status: 'unknown', why: expect.stringMatching(/per value of arguments\.ratingKey/) }]);
    expect(result.newlyRefused).toHaveLength(1);
  });

  test('a name denied by the rule is decided whatever the arguments', () => {
    const result = replay({ version: '1', default: 'allow', tools: { search: { action: 'deny', arguments: { type: 'object' } } } }, [forwarded(0, 'search', { argumentKeys: ['q'] })]);
    expect(result.newlyRefused).toHaveLength(1);
  });

  test('calls are counted as the wrapper counts them: retries never, calls that never reached the server given back', () => {
    const limited = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 1 }] } } };
    const result = replay(limited, [forwarded(0, 'echo', { outcome: 'not-forwarded' }), forwarded(1, 'echo'), forwarded(2, 'echo', { retry: true }), forwarded(3, 'echo')]);
    expect(result.newlyRefused.map((call) => call.time.slice(17))).toEqual(['00.003Z']);
  });

  test('a name cut short was refused by the wrapper and stays refused', () => {
    const result = replay({ version: '1', default: 'allow' }, [refused(0, 'x…', 'deny', 'tool-name', { toolLength: 5000 })]);
    expect(result).toMatchObject({ unchanged: 1, refused: 1 });
  });

  test('input_schema "enforce": a call refused by the advertised schema is unknown; others are not checked, and a note says so', () => {
    const result = replay({ version: '1', default: 'allow', input_schema: 'enforce' }, [refused(0, 'echo', 'deny', 'input-schema'), forwarded(1, 'echo')]);
    expect(result.unknown).toHaveLength(1);
    expect(result.unchanged).toBe(1);
    expect(result.notes.join('\n')).toMatch(/1 calls were not checked against the tools' advertised schemas/);
  });

  test('grants and sessions count apart, as recorded', () => {
    const perSession = { version: '1', default: 'allow', limits: [{ window: 'minute', max: 1, scope: 'session' }] };
    const result = replay(perSession, [logged(0, { session: 'a' }), logged(1, { session: 'b' }), logged(2, { session: 'a' })]);
    expect(result.newlyRefused.map((call) => call.time.slice(17))).toEqual(['00.002Z']);
  });
});
