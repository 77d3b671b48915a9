import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';
import { fixture, spawnWithLines, type LineChild } from '../unit/limits/child-lines.js';
import { echo, jsonLines, receivedCalls, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** echo is limited; every other tool is allowed without a budget, so its calls never ask the store. */
const policy = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 100, scope: 'grant' }] } } };

interface Wrapped {
  wrapper: RunningWrapper;
  record: string;
  audit: string;
}

function wrap(dir: string, name: string, args: string[]): Wrapped {
  const record = join(dir, `${name}-received.jsonl`);
  const audit = join(dir, `${name}-audit.jsonl`);
  const policyFile = writePolicy(dir, policy);
  const wrapper = startWrapper(['--policy', policyFile, '--audit', audit, '--no-watch', ...args], [process.execPath, fixtureServer], { env: { RECORD_FILE: record } });
  return { wrapper, record, audit };
}

function scratch(name: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  return dir;
}

const textOf = (response: Message): unknown => response.result?.content?.[0]?.text;

function expectStoreRefusal(response: Message, detail: RegExp): void {
  expect(response.result.isError).toBe(true);
  expect(textOf(response)).toMatch(/^Refused: the limit store is unavailable \(.+\); try again later$/);
  expect(textOf(response)).toMatch(detail);
  expect(response.result._meta['policy-wrap/decision']).toMatchObject({ decision: 'store-unavailable', cause: 'store', rule: '/tools/echo' });
}

/** What needs no count still goes both ways: ping, tools/list, a call of a tool without limits. */
async function expectOthersRelay(wrapper: RunningWrapper): Promise<void> {
  wrapper.send({ jsonrpc: '2.0', id: 'ping', method: 'ping' });
  wrapper.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
  wrapper.send({ jsonrpc: '2.0', id: 'free', method: 'tools/call', params: { name: 'allowed_tool', arguments: { n: 1 } } });
  expect((await wrapper.stdout.response('ping')).result).toEqual({});
  expect((await wrapper.stdout.response('list')).result.tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'echo' })]));
  expect(textOf(await wrapper.stdout.response('free'))).toBe('allowed_tool {"n":1}');
}

/** The audit records of echo calls, in the order they were written. */
const echoRecords = (audit: string): Message[] => jsonLines(audit).filter((record) => record.tool === 'echo');

describe('a Redis that stops mid-run', () => {
  test('fails closed by default, other messages still relay; --state-fail open lets the call through and audits failedOpen', async () => {
    const dir = scratch('redis');
    const env = { ...process.env };
    delete env.POLICY_WRAP_TEST_REDIS_URL;
    // with-redis.js starts a Redis of this test's own and stops it when the fixture's stdin ends.
    const redis = spawnWithLines(process.execPath, ['tests/support/with-redis.js', process.execPath, fixture('print-redis-url.js')], env);
    const url = await redis.nextLine();
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const state = ['--state', url, '--state-prefix', `policy-wrap-test:${randomUUID()}:`];
    const closed = wrap(dir, 'closed', state);
    const open = wrap(dir, 'open', [...state, '--state-fail', 'open']);
    try {
      expect(textOf(await echo(closed.wrapper, 1))).toBe('1');
      expect(textOf(await echo(open.wrapper, 1))).toBe('1');

      redis.process.stdin.end();
      expect(await redis.exited).toEqual({ code: 0, stderr: '' });

      // Usually the wrapper has seen the connection drop; if not, the call fails on the closed socket.
      expectStoreRefusal(await echo(closed.wrapper, 2), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+|Connection is closed/);
      await expectOthersRelay(closed.wrapper);
      expect(textOf(await echo(open.wrapper, 2))).toBe('2');
    } finally {
      redis.process.kill();
      await stop(closed.wrapper);
      await stop(open.wrapper);
    }
    // The server sees ids of the wrapper's; echo's text is the client's id.
    expect(receivedCalls(closed.record).map((call) => call.params.arguments.text ?? call.params.name)).toEqual(['1', 'allowed_tool']);
    expect(receivedCalls(open.record).map((call) => call.params.arguments.text)).toEqual(['1', '2']);

    expect(echoRecords(closed.audit)).toEqual([
      expect.objectContaining({ decision: 'allow', counters: [expect.objectContaining({ used: 1, max: 100 })], outcome: 'result' }),
      expect.objectContaining({ decision: 'store-unavailable', enforced: true, cause: 'store', failedOpen: false, storeError: expect.stringMatching(/^limit store unavailable: /) }),
    ]);
    const [, failedOpen] = echoRecords(open.audit);
    expect(failedOpen).toMatchObject({ decision: 'allow', failedOpen: true, storeError: expect.stringMatching(/^limit store unavailable: /), outcome: 'result' });
    expect(failedOpen).not.toHaveProperty('counters');
  }, 60_000);
});

describe('a SQLite file whose write lock another process holds', () => {
  // Each call waits out the store's busy timeout (5 s; --state has no knob for it) before it fails.
  test('fails closed by default, other messages still relay; --state-fail open lets the call through; counting resumes after', async () => {
    const dir = scratch('sqlite');
    const file = join(dir, 'counters.sqlite');
    const closed = wrap(dir, 'closed', ['--state', file]);
    const open = wrap(dir, 'open', ['--state', file, '--state-fail', 'open']);
    let lock: LineChild | undefined;
    try {
      // Both wrappers count under the default grant in the same file.
      expect(textOf(await echo(closed.wrapper, 1))).toBe('1');
      expect(textOf(await echo(open.wrapper, 1))).toBe('1');

      lock = spawnWithLines(process.execPath, [fixture('hold-lock.js'), file]);
      expect(await lock.nextLine()).toBe('locked');
      const [refused, failedOpen] = await Promise.all([echo(closed.wrapper, 2), echo(open.wrapper, 2)]);
      expectStoreRefusal(refused, /database is locked/);
      expect(textOf(failedOpen)).toBe('2');
      await expectOthersRelay(closed.wrapper);

      lock.process.stdin.end();
      expect((await lock.exited).code).toBe(0);
      // The two calls the store could not take were never counted.
      expect(textOf(await echo(closed.wrapper, 3))).toBe('3');
    } finally {
      lock?.process.kill();
      await stop(closed.wrapper);
      await stop(open.wrapper);
    }
    expect(receivedCalls(closed.record).map((call) => call.params.arguments.text ?? call.params.name)).toEqual(['1', 'allowed_tool', '3']);
    expect(receivedCalls(open.record).map((call) => call.params.arguments.text)).toEqual(['1', '2']);

    const closedRecords = echoRecords(closed.audit);
    expect(closedRecords.map((record) => [record.decision, record.failedOpen, record.counters?.[0]?.used])).toEqual([
      ['allow', undefined, 1],
      ['store-unavailable', false, undefined],
      ['allow', undefined, 3],
    ]);
    expect(closedRecords[1]?.storeError).toMatch(/^limit store unavailable: .*database is locked/);
    expect(echoRecords(open.audit).map((record) => [record.decision, record.failedOpen, record.counters?.[0]?.used])).toEqual([
      ['allow', undefined, 2],
      ['allow', true, undefined],
    ]);
  }, 60_000);
});
