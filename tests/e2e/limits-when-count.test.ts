import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuild, root, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

/*
 * The two limit needs that running the Plex server behind its example policy brought up, through the
 * built CLI in front of the Plex stand-in: a dry run that should not use up the budget of real ones
 * (`when`), and writes the server itself refuses that should not use up the budget of writes
 * (`count: "succeeded"`; the stand-in refuses writes, as the real server does while
 * PLEX_ENABLE_MUTATIVE_OPS is off).
 */

const tmp = tempDir();
afterAll(() => tmp.remove());
const standin = join(root, 'tests/fixtures/servers/plex-standin.mjs');
beforeAll(() => requireBuild());

let serial = 0;

async function session(tools: Record<string, unknown>): Promise<{ wrapper: RunningWrapper; call: (name: string, args: Record<string, unknown>) => Promise<Record<string, any>>; audit: () => Record<string, any>[]; reached: () => string[] }> {
  serial += 1;
  const policy = writePolicy(tmp.dir, { version: '1', default: 'deny', tools }, `policy-${serial}.json`);
  const audit = join(tmp.dir, `audit-${serial}.jsonl`);
  const record = join(tmp.dir, `record-${serial}.jsonl`);
  const wrapper = startWrapper(['--policy', policy, '--no-watch', '--state', 'memory', '--audit', audit], [process.execPath, standin], { env: { PLEX_TOKEN: 'x', RECORD_FILE: record } });
  let id = 1;
  wrapper.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  await wrapper.stdout.response(0);
  const lines = (file: string): Record<string, any>[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  return {
    wrapper,
    call: async (name, args) => {
      id += 1;
      wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
      return wrapper.stdout.response(id);
    },
    audit: () => lines(audit),
    reached: () => lines(record).filter((message) => message.method === 'tools/call').map((message) => String(message.params?.name)),
  };
}

const limitedBy = (answer: Record<string, any>) => answer.result?._meta?.['policy-wrap/decision']?.decision === 'limited';

test('count "succeeded": writes the server refuses are given back; count "admitted" keeps them', async () => {
  const succeeded = await session({ mark_watched: { limits: [{ window: 'hour', max: 2, count: 'succeeded' }] } });
  const admitted = await session({ mark_watched: { limits: [{ window: 'hour', max: 2 }] } });
  try {
    for (let round = 0; round < 4; round += 1) {
      const answer = await succeeded.call('mark_watched', { ratingKey: '1' });
      expect(answer.error?.message).toMatch(/is disabled/);
    }
    expect(succeeded.reached()).toHaveLength(4);
    const answers = [];
    for (let round = 0; round < 4; round += 1) answers.push(await admitted.call('mark_watched', { ratingKey: '1' }));
    expect(answers.map(limitedBy)).toEqual([false, false, true, true]);
    expect(admitted.reached()).toHaveLength(2);
    // Each given-back call says so in the audit log.
    for (let waited = 0; succeeded.audit().length < 4 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(succeeded.audit().map((record) => record.refunded)).toEqual(Array(4).fill(['/tools/mark_watched/limits/0']));
  } finally {
    succeeded.wrapper.child.stdin.end();
    admitted.wrapper.child.stdin.end();
    await Promise.all([succeeded.wrapper.exited, admitted.wrapper.exited]);
  }
});

test('when: dry runs do not use up the budget of real syncs', async () => {
  const sync = await session({ trakt_sync_to_trakt: { limits: [{ window: 'hour', max: 1, when: { properties: { dryRun: { const: false } } } }] } });
  try {
    const answers = [];
    for (let round = 0; round < 3; round += 1) answers.push(await sync.call('trakt_sync_to_trakt', { dryRun: true }));
    answers.push(await sync.call('trakt_sync_to_trakt', {}));
    answers.push(await sync.call('trakt_sync_to_trakt', { dryRun: false }));
    answers.push(await sync.call('trakt_sync_to_trakt', { dryRun: true }));
    expect(answers.map(limitedBy)).toEqual([false, false, false, false, true, false]);
    expect(sync.reached()).toHaveLength(5);
  } finally {
    sync.wrapper.child.stdin.end();
    await sync.wrapper.exited;
  }
});
