import type { AuditSink } from '../../../src/audit/sink.js';
import { AdvertisedTools } from '../../../src/enforce/advertised-tools.js';
import { TOOL_PREFIX_CHARS } from '../../../src/enforce/audit-record.js';
import { createPolicyGate } from '../../../src/enforce/policy-gate.js';
import { IncompleteCalls, retryKey } from '../../../src/enforce/retries.js';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText, sha256Hex, type CompiledPolicy } from '../../../src/policy/index.js';
import type { CallVerdict, GateContext, ToolCall } from '../../../src/proxy/gate.js';
import { gateContext } from '../../support/gate-context.js';
import type { BoundedMap } from '../../../src/shared/bounded-map.js';
import { MAX_TOOL_NAME_LENGTH } from '../../../src/shared/tool-names.js';

function policyOf(document: object): CompiledPolicy {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json');
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join('\n'));
  return loaded.policy;
}

/** The policy's rule cache, read the way the store tests read a store's private maps. */
const ruleCache = (policy: CompiledPolicy) => (policy as unknown as { index: { chosen: BoundedMap<string, unknown> } }).index.chosen;

function harness(document: object, options: { monitor?: boolean; store?: MemoryStore } = {}) {
  const records: Record<string, unknown>[] = [];
  const audit: AuditSink = { write: (record) => records.push(record), close: async () => undefined };
  const clock = (): number => Date.UTC(2026, 0, 1);
  const policy = policyOf(document);
  const gate = createPolicyGate({
    policy: () => policy,
    limiter: new Limiter({ store: options.store ?? new MemoryStore(), clock, failMode: 'closed' }),
    clock,
    grant: 'default',
    session: 'session-1',
    monitor: options.monitor ?? false,
    audit,
    auditArguments: true,
  });
  return { gate, policy, records };
}

const noServer: GateContext = gateContext();
let nextId = 1;
const call = (name: string, args: unknown = {}, extra: Record<string, unknown> = {}): ToolCall => ({ id: nextId++, name, arguments: args, params: { name, arguments: args, ...extra } });
const verdictOf = async (gate: ReturnType<typeof harness>['gate'], toolCall: ToolCall): Promise<CallVerdict> => gate.checkCall(toolCall, noServer);

describe('tool names over the cap', () => {
  const allowAll = { version: '1', default: 'allow' };

  test(`a name of ${MAX_TOOL_NAME_LENGTH} characters is judged as any other; one more is refused, with why`, async () => {
    const { gate, records } = harness(allowAll);
    const atCap = 'a'.repeat(MAX_TOOL_NAME_LENGTH);
    const forwarded = await verdictOf(gate, call(atCap));
    if (forwarded.kind !== 'forward') throw new Error('expected forward');
    forwarded.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1 });
    const over = await verdictOf(gate, call(`${atCap}b`));
    expect(over).toEqual({
      kind: 'answer',
      answer: {
        result: {
          content: [{ type: 'text', text: `Denied by policy: the tool name has ${MAX_TOOL_NAME_LENGTH + 1} characters, more than the ${MAX_TOOL_NAME_LENGTH} policy-wrap accepts; call a tool by a name tools/list gives` }],
          isError: true,
          _meta: {
            'policy-wrap/decision': {
              decision: 'deny',
              cause: 'tool-name',
              rule: '(tool name length)',
              reason: `the tool name has ${MAX_TOOL_NAME_LENGTH + 1} characters, more than the ${MAX_TOOL_NAME_LENGTH} policy-wrap accepts`,
            },
          },
        },
      },
    });
    expect(records[0]).toMatchObject({ tool: atCap, decision: 'allow' });
    expect(records[0]).not.toHaveProperty('toolDigest');
  });

  test('300 distinct names of 1 MiB: each refused, none remembered, each audit line holds a prefix and a digest only', async () => {
    const { gate, policy, records } = harness({ version: '1', default: 'deny', tools: { 'a*': { action: 'allow' } } });
    for (let i = 0; i < 300; i += 1) {
      const name = `${String(i).padStart(3, '0')}${'x'.repeat(1024 * 1024)}`;
      const verdict = await verdictOf(gate, call(name, { i }));
      expect(verdict).toMatchObject({ kind: 'answer', answer: { result: { isError: true, _meta: { 'policy-wrap/decision': { cause: 'tool-name' } } } } });
      expect(records[i]).toMatchObject({
        tool: `${name.slice(0, TOOL_PREFIX_CHARS)}…`,
        toolLength: name.length,
        toolDigest: `sha256:${sha256Hex(name)}`,
        decision: 'deny',
        enforced: true,
        cause: 'tool-name',
        arguments: { i },
      });
    }
    expect(ruleCache(policy).size).toBe(0);
    expect(Math.max(...records.map((record) => JSON.stringify(record).length))).toBeLessThan(1_000);
  });

  test('monitor mode refuses them too: the cap is the wrapper\'s, not a rule of the policy', async () => {
    const { gate, records } = harness(allowAll, { monitor: true });
    expect((await verdictOf(gate, call('y'.repeat(MAX_TOOL_NAME_LENGTH + 1)))).kind).toBe('answer');
    expect(records[0]).toMatchObject({ decision: 'deny', enforced: true, cause: 'tool-name' });
  });

  test('a tools/list with such names: they are listed as the policy says but not remembered', () => {
    const { gate, policy } = harness({ version: '1', default: 'deny', tools: { 'ok*': { action: 'allow' } } });
    const long = `ok${'z'.repeat(1024 * 1024)}`;
    expect(gate.filterToolsList({ tools: [{ name: 'ok_short' }, { name: long }, { name: 'other' }] })).toEqual({ tools: [{ name: 'ok_short' }, { name: long }] });
    expect([...ruleCache(policy).keys()]).toEqual(['ok_short', 'other']);
  });
});

describe('caches keyed by what the client or server sends are bounded in bytes', () => {
  test('the rule cache keeps at most 1 MiB of names, forgetting the oldest first', () => {
    const policy = policyOf({ version: '1', default: 'allow', tools: { 'n*': { action: 'deny' } } });
    const name = (i: number): string => `n${String(i).padStart(6, '0')}${'-'.repeat(MAX_TOOL_NAME_LENGTH - 7)}`;
    for (let i = 0; i < 5_000; i += 1) expect(policy.ruleFor(name(i))?.key).toBe('n*');
    const cache = ruleCache(policy);
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.size).toBeLessThan(2_000);
    expect(cache.has(name(0))).toBe(false);
    expect(cache.has(name(4_999))).toBe(true);
  });

  test('advertised schemas: names over the cap are not kept; past 16 MiB the oldest go and the list is no longer complete', () => {
    const tools = new AdvertisedTools();
    const schema = { type: 'object', description: 'd'.repeat(1024 * 1024) };
    tools.recordPage({ tools: [{ name: 'x'.repeat(MAX_TOOL_NAME_LENGTH + 1), inputSchema: { type: 'object' } }, { name: 'small', inputSchema: { type: 'object' } }] });
    expect([...tools.names()]).toEqual(['small']);
    expect(tools.isComplete).toBe(true);
    tools.recordPage({ tools: Array.from({ length: 20 }, (_, i) => ({ name: `big${i}`, inputSchema: schema })) });
    const names = [...tools.names()];
    expect(names.length).toBeLessThan(10);
    expect(names).not.toContain('small');
    expect(names).toContain('big19');
    expect(tools.isComplete).toBe(false);
    expect(tools.check('big19')).toBeDefined();
    tools.forget();
    tools.recordPage({ tools: [{ name: 'small', inputSchema: { type: 'object' } }] });
    expect(tools.isComplete).toBe(true);
  });

  test('a retry is recognised by the digest of a large requestState, which is not kept itself', async () => {
    const { gate, records } = harness({ version: '1', default: 'deny', tools: { book: { limits: [{ window: 'hour', max: 1 }] } } });
    const state = 's'.repeat(4 * 1024 * 1024);
    const first = await verdictOf(gate, call('book'));
    if (first.kind !== 'forward') throw new Error('expected forward');
    first.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1, resultType: 'incomplete', requestState: state });
    const retry = await verdictOf(gate, call('book', {}, { requestState: state, inputResponses: {} }));
    if (retry.kind !== 'forward') throw new Error('expected forward: the retry is not counted again');
    retry.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1 });
    expect(records.at(-1)).toMatchObject({ decision: 'allow', retry: true });
    expect(retryKey('book', state, 'sha256:0').length).toBeLessThan(100);
  });

  test('remembered incomplete calls stay within their bytes, the oldest forgotten first', () => {
    const calls = new IncompleteCalls(1_000, 10_000);
    const key = (i: number): string => retryKey('t'.repeat(200), undefined, `sha256:${i}`);
    for (let i = 0; i < 1_000; i += 1) calls.remember(key(i), Infinity);
    const entries = (calls as unknown as { entries: BoundedMap<string, number> }).entries;
    expect(entries.bytes).toBeLessThanOrEqual(10_000);
    expect(calls.takeRetry(key(0), 0)).toBe(false);
    expect(calls.takeRetry(key(999), 0)).toBe(true);
  });
});
