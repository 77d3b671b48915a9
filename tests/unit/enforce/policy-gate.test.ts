import type { AuditSink } from '../../../src/audit/sink.js';
import { createPolicyGate } from '../../../src/enforce/policy-gate.js';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import type { LimitStore } from '../../../src/limits/types.js';
import { loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';
import type { CallVerdict, Gate, GateContext, ToolCall } from '../../../src/proxy/gate.js';
import { gateContext } from '../../support/gate-context.js';

function policyOf(document: object): CompiledPolicy {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json');
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join('\n'));
  return loaded.policy;
}

interface Harness {
  gate: Gate;
  records: Record<string, unknown>[];
  advance(ms: number): void;
}

function harness(document: object, options: { store?: LimitStore; monitor?: boolean; failMode?: 'open' | 'closed' } = {}): Harness {
  let now = Date.UTC(2026, 0, 1);
  const records: Record<string, unknown>[] = [];
  const audit: AuditSink = { write: (record) => records.push(record), close: async () => undefined };
  const clock = (): number => now;
  const policy = policyOf(document);
  const gate = createPolicyGate({
    policy: () => policy,
    limiter: new Limiter({ store: options.store ?? new MemoryStore(), clock, failMode: options.failMode ?? 'closed' }),
    clock,
    grant: 'default',
    session: 'session-1',
    monitor: options.monitor ?? false,
    audit,
  });
  return { gate, records, advance: (ms) => (now += ms) };
}

const noServer: GateContext = gateContext();
let nextId = 1;
function call(name: string, args: unknown = {}, extra: Record<string, unknown> = {}): ToolCall {
  return { id: nextId++, name, arguments: args, params: { name, arguments: args, ...extra } };
}

async function verdictOf(gate: Gate, toolCall: ToolCall, context = noServer): Promise<CallVerdict> {
  return gate.checkCall(toolCall, context);
}

function textOf(verdict: CallVerdict): string {
  if (verdict.kind !== 'answer' || !('result' in verdict.answer)) throw new Error(`expected a result answer, got ${JSON.stringify(verdict)}`);
  const content = verdict.answer.result.content as Array<{ text: string }>;
  return content.map((part) => part.text).join('');
}

const policyLayerExample = { version: '1', default: 'deny', tools: { trakt_authenticate: { limits: [{ counter: 'trakt_authenticate_rate', window: 'minute', max: 10, scope: 'grant' }] } } };

describe('policy gate', () => {
  test('the PolicyLayer example admits 10 calls a minute, refuses the 11th with a retry hint, and admits again later', async () => {
    const { gate, advance } = harness(policyLayerExample);
    for (let i = 0; i < 10; i += 1) {
      expect((await verdictOf(gate, call('trakt_authenticate'))).kind).toBe('forward');
      advance(1_000);
    }
    const refused = await verdictOf(gate, call('trakt_authenticate'));
    expect(textOf(refused)).toBe('Rate limit: at most 10 calls per minute for trakt_authenticate; retry in 50 s');
    expect(refused).toMatchObject({ answer: { result: { isError: true, _meta: { 'policy-wrap/decision': { decision: 'limited', rule: '/tools/trakt_authenticate/limits/0', retryAfterMs: 50_000 } } } } });
    advance(50_000);
    expect((await verdictOf(gate, call('trakt_authenticate'))).kind).toBe('forward');
  });

  test('a refusal names a budget shared by several tools', async () => {
    const shared = { counter: 'writes', window: 'hour', max: 1 };
    const { gate } = harness({ version: '1', default: 'deny', tools: { rate: { limits: [shared] }, mark: { limits: [shared] } } });
    expect((await verdictOf(gate, call('rate'))).kind).toBe('forward');
    expect(textOf(await verdictOf(gate, call('mark')))).toBe('Rate limit: at most 1 call per hour for mark (budget "writes", shared with other tools); retry in 3600 s');
  });

  test('a tool the default denies is hidden from tools/list and answered as unknown', async () => {
    const { gate } = harness(policyLayerExample);
    const listed = gate.filterToolsList({ tools: [{ name: 'trakt_authenticate' }, { name: 'delete_playlist' }], nextCursor: 'page-2' });
    expect(listed).toEqual({ tools: [{ name: 'trakt_authenticate' }], nextCursor: 'page-2' });
    expect(await verdictOf(gate, call('delete_playlist'))).toEqual({ kind: 'answer', answer: { error: { code: -32602, message: 'Unknown tool: delete_playlist' } } });
  });

  test('a denied tool with hide: false stays listed and is refused with its reason', async () => {
    const { gate, records } = harness({ version: '1', default: 'allow', tools: { get_env: { action: 'deny', hide: false, reason: 'it leaks secrets' } } });
    expect(gate.filterToolsList({ tools: [{ name: 'get_env' }] })).toEqual({ tools: [{ name: 'get_env' }] });
    const verdict = await verdictOf(gate, call('get_env', { secret: 'hunter2' }));
    expect(textOf(verdict)).toBe('Denied by policy: it leaks secrets');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ tool: 'get_env', decision: 'deny', enforced: true, rule: '/tools/get_env', argumentKeys: ['secret'] });
    expect(JSON.stringify(records)).not.toContain('hunter2');
  });

  test('arguments that fail the rule schema are refused with what is wrong', async () => {
    const { gate } = harness({ version: '1', default: 'deny', tools: { get_recently_added: { arguments: { type: 'object', properties: { limit: { type: 'integer', maximum: 500 } } } } } });
    const verdict = await verdictOf(gate, call('get_recently_added', { limit: 100000 }));
    expect(textOf(verdict)).toBe('Invalid arguments for get_recently_added: /limit must be <= 500');
    expect((await verdictOf(gate, call('get_recently_added', { limit: 5 }))).kind).toBe('forward');
  });

  test('formats in an arguments schema are checked', async () => {
    const poster = { type: 'object', properties: { url: { type: 'string', format: 'uri', pattern: '^https://' }, at: { type: 'string', format: 'date-time' } } };
    const { gate } = harness({ version: '1', default: 'deny', tools: { set_poster: { arguments: poster } } });
    expect(textOf(await verdictOf(gate, call('set_poster', { url: 'https://img example/p.jpg' })))).toBe('Invalid arguments for set_poster: /url must match format "uri"');
    expect(textOf(await verdictOf(gate, call('set_poster', { url: 'https://img.example/p.jpg', at: 'yesterday' })))).toBe(
      'Invalid arguments for set_poster: /at must match format "date-time"',
    );
    expect((await verdictOf(gate, call('set_poster', { url: 'https://img.example/p.jpg', at: '2026-11-26T01:00:00Z' }))).kind).toBe('forward');
  });

  test('input_schema enforce checks the schema the server advertised and fetches the list when it has none', async () => {
    const { gate } = harness({ version: '1', default: 'allow', input_schema: 'enforce' });
    const context: GateContext = gateContext({
      requestFromServer: async (method) => {
        expect(method).toBe('tools/list');
        return { tools: [{ name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } }] };
      },
    });
    const refused = await verdictOf(gate, call('add', { a: 'one' }), context);
    expect(textOf(refused)).toBe('Invalid arguments for add: /a must be a number');
    expect((await verdictOf(gate, call('add', { a: 1 }), context)).kind).toBe('forward');
  });

  test('after tools/list_changed the new schemas apply', async () => {
    const { gate } = harness({ version: '1', default: 'allow', input_schema: 'enforce' });
    gate.filterToolsList({ tools: [{ name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' } } } }] });
    expect((await verdictOf(gate, call('add', { a: 'x' }))).kind).toBe('answer');
    gate.toolsListChanged?.();
    gate.filterToolsList({ tools: [{ name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } }] });
    expect((await verdictOf(gate, call('add', { a: 'x' }))).kind).toBe('forward');
  });

  test('monitor mode blocks nothing, hides nothing and audits every decision', async () => {
    const { gate, records } = harness(policyLayerExample, { monitor: true });
    expect(gate.filterToolsList({ tools: [{ name: 'other' }] })).toEqual({ tools: [{ name: 'other' }] });
    const verdict = await verdictOf(gate, call('other'));
    expect(verdict.kind).toBe('forward');
    if (verdict.kind === 'forward') verdict.onOutcome?.({ kind: 'result', isError: false, latencyMs: 3 });
    expect(records).toEqual([expect.objectContaining({ tool: 'other', decision: 'deny', enforced: false, outcome: 'result', isError: false, latencyMs: 3 })]);
  });

  test('a call that never reached the server is refunded', async () => {
    const { gate } = harness({ version: '1', default: 'deny', tools: { once: { limits: [{ window: 'hour', max: 1 }] } } });
    const first = await verdictOf(gate, call('once'));
    if (first.kind !== 'forward') throw new Error('expected forward');
    first.onOutcome?.({ kind: 'not-forwarded' });
    expect((await verdictOf(gate, call('once'))).kind).toBe('forward');
    expect((await verdictOf(gate, call('once'))).kind).toBe('answer');
  });

  test('the retry of an input-required call is not counted twice', async () => {
    const { gate } = harness({ version: '1', default: 'deny', tools: { book: { limits: [{ window: 'hour', max: 1 }] } } });
    const first = await verdictOf(gate, call('book', { room: 1 }));
    if (first.kind !== 'forward') throw new Error('expected forward');
    first.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1, resultType: 'incomplete', requestState: 'opaque-1' });
    const retry = await verdictOf(gate, call('book', { room: 1 }, { requestState: 'opaque-1', inputResponses: { ok: { action: 'accept' } } }));
    expect(retry.kind).toBe('forward');
    const again = await verdictOf(gate, call('book', { room: 1 }, { requestState: 'opaque-1', inputResponses: {} }));
    expect(again.kind).toBe('answer');
  });

  test('a retry that changes its arguments, or brings a state the server never issued, is counted', async () => {
    const limited = { version: '1', default: 'deny', tools: { book: { limits: [{ window: 'hour', max: 2 }] } } };
    const { gate } = harness(limited);
    const first = await verdictOf(gate, call('book', { room: 1 }));
    if (first.kind !== 'forward') throw new Error('expected forward');
    first.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1, resultType: 'incomplete', requestState: 'issued' });
    // Other arguments under the issued state: a new call, counted (the second of two).
    expect((await verdictOf(gate, call('book', { room: 99 }, { requestState: 'issued', inputResponses: {} }))).kind).toBe('forward');
    // A state of the client's own: counted, and over the budget.
    expect((await verdictOf(gate, call('book', { room: 1 }, { requestState: 'forged', inputResponses: {} }))).kind).toBe('answer');
    // The true retry still goes through free.
    expect((await verdictOf(gate, call('book', { room: 1 }, { requestState: 'issued', inputResponses: {} }))).kind).toBe('forward');
  });

  test('an unavailable store refuses calls by default and lets them through with --state-fail open', async () => {
    const broken: LimitStore = {
      kind: 'redis',
      acquire: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
      release: () => undefined,
      close: async () => undefined,
    };
    const limited = { version: '1', default: 'deny', tools: { t: { limits: [{ window: 'minute', max: 5 }] } } };
    const closed = harness(limited, { store: broken });
    expect(textOf(await verdictOf(closed.gate, call('t')))).toMatch(/^Refused: the limit store is unavailable \(.*ECONNREFUSED.*\); try again later$/);
    const open = harness(limited, { store: broken, failMode: 'open' });
    const verdict = await verdictOf(open.gate, call('t'));
    expect(verdict.kind).toBe('forward');
    if (verdict.kind === 'forward') verdict.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1 });
    expect(open.records[0]).toMatchObject({ decision: 'allow', failedOpen: true, storeError: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('policy gate: a replaced policy', () => {
  function replaceable(first: object) {
    let policy = policyOf(first);
    const gate = createPolicyGate({ policy: () => policy, limiter: new Limiter({ store: new MemoryStore() }), clock: Date.now, grant: 'default', session: 's' });
    let told = 0;
    gate.watchVisibleTools?.(() => (told += 1));
    const replace = (next: object): void => {
      const previous = policy;
      policy = policyOf(next);
      gate.policyReplaced(previous);
    };
    return { gate, replace, told: () => told };
  }
  const list = { tools: [{ name: 'search' }, { name: 'delete_item' }] };

  test('tells the client when a listed tool is hidden or shown, and only then', () => {
    const { gate, replace, told } = replaceable({ version: '1', default: 'allow' });
    gate.filterToolsList(list);
    replace({ version: '1', default: 'allow', tools: { search: { limits: [{ window: 'minute', max: 5 }] } } });
    expect(told()).toBe(0);
    replace({ version: '1', default: 'allow', tools: { delete_item: { action: 'deny', hide: false, reason: 'no' } } });
    expect(told()).toBe(0);
    replace({ version: '1', default: 'allow', tools: { delete_item: { action: 'deny', reason: 'no' } } });
    expect(told()).toBe(1);
    replace({ version: '1', default: 'allow', mode: 'monitor', tools: { delete_item: { action: 'deny', reason: 'no' } } });
    expect(told()).toBe(2);
  });

  test('nothing to tell before the client has seen a list', () => {
    const { replace, told } = replaceable({ version: '1', default: 'allow' });
    replace({ version: '1', default: 'deny' });
    expect(told()).toBe(0);
  });
});
