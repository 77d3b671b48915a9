import type { AuditSink } from '../../../src/audit/sink.js';
import { createPolicyGate } from '../../../src/enforce/policy-gate.js';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText } from '../../../src/policy/index.js';
import type { CallVerdict, Gate, JudgedRequest } from '../../../src/proxy/gate.js';
import { gateContext } from '../../support/gate-context.js';

function harness(document: object, monitor = false): { gate: Gate; records: Record<string, unknown>[] } {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json');
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join('\n'));
  const records: Record<string, unknown>[] = [];
  const audit: AuditSink = { write: (record) => records.push(record), close: async () => undefined };
  const clock = (): number => Date.UTC(2026, 0, 1);
  const gate = createPolicyGate({
    policy: () => loaded.policy,
    limiter: new Limiter({ store: new MemoryStore(), clock, failMode: 'closed' }),
    clock,
    grant: 'default',
    session: 'session-1',
    monitor,
    audit,
  });
  return { gate, records };
}

let nextId = 1;
const judged = (method: string, params: Record<string, unknown>): JudgedRequest => ({ id: nextId++, method, params });

async function verdict(gate: Gate, request: JudgedRequest): Promise<CallVerdict> {
  return gate.checkRequest!(request, gateContext());
}

const denyAll = { version: '1', default: 'deny' };

describe('policy gate: resources, prompts and completion', () => {
  test('an unreadable request is answered invalid params and never judged', async () => {
    const { gate, records } = harness(denyAll);
    expect(await verdict(gate, judged('resources/read', {}))).toMatchObject({ kind: 'answer', answer: { error: { code: -32602 } } });
    expect(await verdict(gate, judged('completion/complete', { ref: { type: 'ref/tool', name: 'x' } }))).toMatchObject({ answer: { error: { code: -32602 } } });
    expect(records).toEqual([]);
  });

  test('in monitor mode a hidden read is audited as denied and forwarded; lists are not filtered', async () => {
    const { gate, records } = harness(denyAll, true);
    expect(await verdict(gate, judged('resources/read', { uri: 'file:///etc/passwd' }))).toMatchObject({ kind: 'forward' });
    expect(records).toEqual([]);
    const forwarded = await verdict(gate, judged('resources/read', { uri: 'file:///etc/passwd' }));
    if (forwarded.kind === 'forward') forwarded.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1 });
    expect(records[0]).toMatchObject({ method: 'resources/read', tool: 'file:///etc/passwd', decision: 'deny', enforced: false, outcome: 'result' });
    expect(gate.filterList!('resources/list', { resources: [{ uri: 'file:///etc/passwd' }] })).toBeUndefined();
  });

  test('lists: nothing hidden gives undefined (the bytes go on as they came); hidden items are left out', () => {
    const { gate } = harness({ version: '1', default: 'allow', prompts: { rules: { 'secret-*': { action: 'deny' } } } });
    expect(gate.filterList!('prompts/list', { prompts: [{ name: 'a' }] })).toBeUndefined();
    expect(gate.filterList!('prompts/list', { prompts: [{ name: 'a' }, { name: 'secret-b' }], nextCursor: 'c' })).toEqual({ prompts: [{ name: 'a' }], nextCursor: 'c' });
    expect(gate.filterList!('resources/templates/list', { resourceTemplates: [{ uriTemplate: 'x://{a}' }] })).toBeUndefined();
  });

  test('subscribe and completion follow the allow or deny of their rule without counting', async () => {
    const { gate } = harness({ version: '1', default: 'deny', resources: { rules: { 'x://*': { limits: [{ window: 'hour', max: 0 }] } } } });
    expect(await verdict(gate, judged('resources/read', { uri: 'x://a' }))).toMatchObject({ answer: { error: { code: -32003, data: { 'policy-wrap/decision': { decision: 'limited' } } } } });
    expect(await verdict(gate, judged('resources/subscribe', { uri: 'x://a' }))).toMatchObject({ kind: 'forward' });
    expect(await verdict(gate, judged('completion/complete', { ref: { type: 'ref/resource', uri: 'x://{id}' }, argument: { name: 'id', value: '' } }))).toMatchObject({ kind: 'forward' });
    expect(await verdict(gate, judged('completion/complete', { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } }))).toMatchObject({
      answer: { error: { code: -32602, message: 'Unknown prompt: p' } },
    });
  });

  test('an ask rule without an approval desk fails the check, as for tools: the relay then refuses unforwarded', async () => {
    const { gate } = harness({ version: '1', default: 'deny', prompts: { rules: { review: { action: 'ask' } } } });
    await expect(verdict(gate, judged('prompts/get', { name: 'review' }))).rejects.toThrow('no way to ask for approval');
  });
});
