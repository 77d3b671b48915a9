import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PATH_CHECK_MS, openAuditSink, type AuditSink } from '../../../src/audit/sink.js';
import { createPolicyGate } from '../../../src/enforce/policy-gate.js';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText } from '../../../src/policy/index.js';
import type { CallVerdict, Gate, GateContext, ToolCall } from '../../../src/proxy/gate.js';
import { gateContext } from '../../support/gate-context.js';

const document = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 10 }] } } };
const noServer: GateContext = gateContext();
const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });

let nextId = 1;
const call = (name = 'echo'): ToolCall => ({ id: nextId++, name, arguments: {}, params: { name, arguments: {} } });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function gateOver(audit: AuditSink, options: { monitor?: boolean; auditFail?: 'closed' | 'open' } = {}): { gate: Gate; store: MemoryStore } {
  const loaded = loadPolicyText(JSON.stringify(document), 'policy.json');
  if (!loaded.ok) throw new Error('the test policy does not load');
  const store = new MemoryStore();
  const gate = createPolicyGate({
    policy: () => loaded.policy,
    limiter: new Limiter({ store }),
    clock: () => Date.now(),
    grant: 'default',
    session: 'session-1',
    audit,
    ...options,
  });
  return { gate, store };
}

const decisionOf = (verdict: CallVerdict): unknown =>
  verdict.kind === 'answer' && 'result' in verdict.answer ? (verdict.answer.result._meta as Record<string, { decision: string }>)['policy-wrap/decision']?.decision : verdict.kind;

describe('the gate while the audit file cannot be written', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-audit-down-'));
    file = join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function breakAudit(): void {
    renameSync(file, `${file}.old`);
    mkdirSync(file);
  }

  test('closed (the default) refuses before counting, and admits again once the file can be made', async () => {
    const audit = openAuditSink(file, quiet);
    const { gate } = gateOver(audit);
    expect(decisionOf(await gate.checkCall(call(), noServer))).toBe('forward');
    breakAudit();
    await pathChecked();
    expect(decisionOf(await gate.checkCall(call(), noServer))).toBe('audit-unavailable');
    expect(decisionOf(await gate.checkCall(call(), noServer))).toBe('audit-unavailable');
    rmdirSync(file);
    const admitted = await gate.checkCall(call(), noServer);
    expect(decisionOf(admitted)).toBe('forward');
    if (admitted.kind === 'forward') admitted.onOutcome?.({ kind: 'result', isError: false, latencyMs: 1 });
    await turn();
    await audit.close();
    const written = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { decision: string; counters?: Array<{ used: number }> });
    expect(written.map((record) => record.decision)).toEqual(['audit-unavailable', 'audit-unavailable', 'allow']);
    // The two refusals were never counted: this is the second admission.
    expect(written.at(-1)?.counters?.[0]?.used).toBe(2);
  });

  test.each([
    ['--audit-fail open', { auditFail: 'open' as const }],
    ['monitor mode, which blocks nothing', { monitor: true }],
  ])('%s: calls go through', async (_name, options) => {
    const audit = openAuditSink(file, quiet);
    const { gate } = gateOver(audit, options);
    breakAudit();
    expect(decisionOf(await gate.checkCall(call(), noServer))).toBe('forward');
    await audit.close();
  });

  test('audit to a stream ("-") never counts as down', async () => {
    const { gate } = gateOver(openAuditSink('-', quiet));
    expect(decisionOf(await gate.checkCall(call(), noServer))).toBe('forward');
  });
});

/** Longer than the sink waits between looks at its path. */
function pathChecked(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, PATH_CHECK_MS + 20));
}
