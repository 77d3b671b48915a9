import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuild, root, tempDir } from '../support/wrapper.js';
import { lines, policyWrap, rawSession } from './audit-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** A process that writes `count` records through the built audit sink, one write per turn of its event loop. */
const hammer = `
const [dist, file, count] = process.argv.slice(1);
const { openAuditSink } = await import(dist);
const sink = openAuditSink(file, process.stderr);
for (let i = 0; i < Number(count); i += 1) {
  sink.write({ pid: process.pid, i });
  await new Promise((resolve) => setImmediate(resolve));
}
await sink.close();
`;

function run(file: string, count: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', hammer, join(root, 'dist/audit/sink.js'), file, String(count)], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('close', resolve));
}

describe('the lock beside the log', () => {
  test('four processes writing as fast as they can keep one chain (without the lock they break it within a few thousand lines)', async () => {
    const file = join(tmp.dir, 'hammered.jsonl');
    expect(await Promise.all([1, 2, 3, 4].map(() => run(file, 2000)))).toEqual([0, 0, 0, 0]);
    expect(lines(file)).toHaveLength(8000);
    const result = await policyWrap(['audit', 'verify', file], tmp.dir);
    expect(result.stderr).not.toMatch(/chain-broken/);
    expect(result.stdout).toBe('ok: 8000 records');
  }, 120_000);

  test('a lock left behind by a process that is gone is broken, and the wrapper writes on', async () => {
    const audit = join(tmp.dir, 'stale.jsonl');
    // A pid no process has: above the largest pid Linux hands out.
    writeFileSync(`${audit}.lock`, `4194304999 ${(await import('node:os')).hostname()} deadbeef.1\n`);
    const session = await rawSession(tmp.dir, { version: '1', default: 'allow' }, audit, 'fixture');
    const [answer] = await session.calls([{ name: 'echo', arguments: { text: 'still audited' } }]);
    await session.stop();
    expect(answer?.result?.content?.[0]?.text).toBe('still audited');
    expect((await policyWrap(['audit', 'verify', audit], tmp.dir)).stdout).toBe('ok: 1 records');
  }, 30_000);
});
