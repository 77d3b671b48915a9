import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { PATH_CHECK_MS } from '../../src/audit/sink.js';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';
import { echo, jsonLines, receivedCalls, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const policy = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 100 }] }, denied_tool: { action: 'deny', hide: false, reason: 'never' } } };
const textOf = (response: Message): unknown => response.result?.content?.[0]?.text;

interface Session {
  wrapper: RunningWrapper;
  audit: string;
  record: string;
}

function start(name: string, more: string[]): Session {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  const audit = join(dir, 'audit.jsonl');
  const record = join(dir, 'received.jsonl');
  const args = ['--policy', writePolicy(dir, policy), '--state', 'memory', '--audit', audit, '--no-watch', ...more];
  return { wrapper: startWrapper(args, [process.execPath, fixtureServer], { env: { RECORD_FILE: record } }), audit, record };
}

/** The audit file moved away and a folder put in its place: the wrapper can write no record at that path. */
async function breakAudit(audit: string): Promise<void> {
  renameSync(audit, `${audit}.before`);
  mkdirSync(audit);
  // The wrapper looks at the path again after at most PATH_CHECK_MS.
  await new Promise((resolve) => setTimeout(resolve, PATH_CHECK_MS + 50));
}

/** The records of both files in order: the one moved away, then the one made at the path afterwards. */
const auditRecords = (audit: string): Message[] => [...jsonLines(`${audit}.before`), ...jsonLines(audit)];
const decisions = (audit: string): unknown[] => auditRecords(audit).map((record) => [record.tool, record.decision]);
const textsReceived = (record: string): unknown[] => receivedCalls(record).map((call) => call.params.arguments?.text ?? call.params.name);

describe('the audit log cannot be written mid-session', () => {
  test('--audit-fail closed (the default): allowed calls are refused with the reason, uncounted, until the log can be written again', async () => {
    const { wrapper, audit, record } = start('closed', []);
    try {
      expect(textOf(await echo(wrapper, 1, 'before'))).toBe('before');
      await breakAudit(audit);

      const refused = await echo(wrapper, 2, 'while broken');
      expect(refused.result.isError).toBe(true);
      expect(textOf(refused)).toMatch(/^Refused: the audit log cannot be written \(.*EISDIR.*\); try again later$/);
      expect(refused.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'audit-unavailable', cause: 'audit', rule: '/tools/echo' });
      // What the policy denies is still denied for its own reason; what carries no call still flows.
      wrapper.send({ jsonrpc: '2.0', id: 'denied', method: 'tools/call', params: { name: 'denied_tool', arguments: {} } });
      expect(textOf(await wrapper.stdout.response('denied'))).toBe('Denied by policy: never');
      wrapper.send({ jsonrpc: '2.0', id: 'ping', method: 'ping' });
      expect((await wrapper.stdout.response('ping')).result).toEqual({});
      expect(textOf(await echo(wrapper, 3, 'still broken'))).toMatch(/^Refused: the audit log cannot be written/);

      rmdirSync(audit);
      expect(textOf(await echo(wrapper, 4, 'after'))).toBe('after');
    } finally {
      await stop(wrapper);
    }
    expect(textsReceived(record)).toEqual(['before', 'after']);
    // The records of the outage waited, in order, and were written once a file could be made again.
    expect(decisions(audit)).toEqual([
      ['echo', 'allow'],
      ['echo', 'audit-unavailable'],
      ['denied_tool', 'deny'],
      ['echo', 'audit-unavailable'],
      ['echo', 'allow'],
    ]);
    // The refused calls were not counted.
    expect(auditRecords(audit).at(-1)).toMatchObject({ counters: [expect.objectContaining({ used: 2 })] });
    const said = wrapper.stderr().split('\n');
    expect(said.filter((line) => /audit log .* cannot be written: .*EISDIR/.test(line))).toHaveLength(1);
    expect(said.filter((line) => /audit log .* can be written again/.test(line))).toHaveLength(1);
  }, 30_000);

  test('--audit-fail open: calls go on, the outage is said once on stderr, and the records that waited are written afterwards', async () => {
    const { wrapper, audit, record } = start('open', ['--audit-fail', 'open']);
    try {
      expect(textOf(await echo(wrapper, 1, 'before'))).toBe('before');
      await breakAudit(audit);
      expect(textOf(await echo(wrapper, 2, 'while broken'))).toBe('while broken');
      expect(textOf(await echo(wrapper, 3, 'still broken'))).toBe('still broken');
      rmdirSync(audit);
      expect(textOf(await echo(wrapper, 4, 'after'))).toBe('after');
    } finally {
      await stop(wrapper);
    }
    expect(textsReceived(record)).toEqual(['before', 'while broken', 'still broken', 'after']);
    expect(decisions(audit)).toEqual([
      ['echo', 'allow'],
      ['echo', 'allow'],
      ['echo', 'allow'],
      ['echo', 'allow'],
    ]);
    expect(wrapper.stderr().split('\n').filter((line) => /audit log .* cannot be written/.test(line))).toHaveLength(1);
  }, 30_000);

  test('--audit-fail takes closed or open only', async () => {
    const { wrapper } = start('bad-mode', ['--audit-fail', 'maybe']);
    expect(await wrapper.exited).toEqual({ code: 2, signal: null });
    expect(wrapper.stderr()).toContain("argument 'maybe' is invalid");
  });
});
