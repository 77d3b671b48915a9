import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireBuild, root, tempDir } from '../support/wrapper.js';
import { everythingSession, lines, policyWrap, rawSession, records, tampered } from './audit-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const policy = { version: '1', default: 'allow', tools: { 'get-sum': { limits: [{ window: 'minute', max: 2 }] }, 'get-tiny-image': { action: 'deny', hide: false } } };

describe('the audit chain of a real log', () => {
  const audit = join(tmp.dir, 'everything.jsonl');

  beforeAll(async () => {
    // Two sessions one after the other: the second continues the first one's chain.
    for (let session = 0; session < 2; session += 1) {
      const { client, close } = await everythingSession(tmp.dir, policy, audit);
      await client.callTool({ name: 'echo', arguments: { message: `hello ${session}` } });
      await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
      await client.callTool({ name: 'get-sum', arguments: { a: 3, b: 4 } });
      await client.callTool({ name: 'get-sum', arguments: { a: 5, b: 6 } });
      await client.callTool({ name: 'get-tiny-image', arguments: {} });
      await close();
    }
  }, 60_000);

  test('verifies: ok and the number of records, exit 0, across restarts', async () => {
    expect(lines(audit)).toHaveLength(10);
    const first = records(audit)[0];
    expect(first?.prev).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const result = await policyWrap(['audit', 'verify', audit], tmp.dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('ok: 10 records');
  });

  test.each([
    ['an edited line', 'edited.jsonl', (all: string[]) => all.map((line, index) => (index === 3 ? line.replace('"grant":"default"', '"grant":"someone"') : line)), 5, /does not match line 4/],
    ['a deleted line', 'deleted.jsonl', (all: string[]) => all.filter((_, index) => index !== 6), 7, /does not match line 6/],
    ['two lines swapped', 'reordered.jsonl', (all: string[]) => [...all.slice(0, 2), all[3] as string, all[2] as string, ...all.slice(4)], 3, /does not match line 2/],
    ['the first line deleted', 'headless.jsonl', (all: string[]) => all.slice(1), 1, /first line/],
    ['a line that is not JSON', 'garbled.jsonl', (all: string[]) => all.map((line, index) => (index === 7 ? line.slice(0, 40) : line)), 8, /not an audit record/],
  ])('%s is found at the right line: exit 1', async (_name, copyName, change, line, message) => {
    const copy = tampered(audit, join(tmp.dir, copyName), change);
    const result = await policyWrap(['audit', 'verify', copyName], tmp.dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^${copyName}:${line}: audit\\.chain-broken: `));
    expect(result.stderr).toMatch(message);
    expect(readFileSync(copy, 'utf8')).not.toBe('');
  });

  test('lines cut off the end leave a chain that verifies; --anchor with the earlier head catches it', async () => {
    const full = await policyWrap(['audit', 'verify', audit], tmp.dir);
    const head = /chain head ([0-9a-f]{64})/.exec(full.stderr)?.[1] as string;
    const cut = tampered(audit, join(tmp.dir, 'cut.jsonl'), (all) => all.slice(0, 8));
    expect((await policyWrap(['audit', 'verify', cut], tmp.dir)).stdout).toBe('ok: 8 records');
    const anchored = await policyWrap(['audit', 'verify', '--anchor', head, cut], tmp.dir);
    expect(anchored.exitCode).toBe(1);
    expect(anchored.stderr).toMatch(/audit\.chain-broken: the chain does not pass through the anchor/);
    expect((await policyWrap(['audit', 'verify', '--anchor', head, audit], tmp.dir)).exitCode).toBe(0);
  });

  test('a missing file is exit 2 with audit.unreadable', async () => {
    const result = await policyWrap(['audit', 'verify', 'nothing-here.jsonl'], tmp.dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/audit\.unreadable: cannot read the audit log nothing-here\.jsonl: no such file/);
  });
});

describe('wrappers sharing one log', () => {
  test('two wrappers appending at once keep one chain that verifies, every record written once', async () => {
    const audit = join(tmp.dir, 'shared.jsonl');
    const sessions = await Promise.all([0, 1].map((n) => rawSession(tmp.dir, { version: '1', default: 'allow' }, audit, 'fixture', [], `shared-${n}.json`)));
    const perWrapper = 150;
    // Both send all their calls at once, in several bursts, so their writes overlap.
    for (let burst = 0; burst < 3; burst += 1) {
      await Promise.all(sessions.map((session, n) => session.calls(Array.from({ length: perWrapper / 3 }, (_, i) => ({ name: 'echo', arguments: { text: `${n}-${burst}-${i}` } })))));
    }
    await Promise.all(sessions.map((session) => session.stop()));
    const written = records(audit);
    expect(written).toHaveLength(2 * perWrapper);
    expect(new Set(written.map((record) => record.session)).size).toBe(2);
    const result = await policyWrap(['audit', 'verify', audit], tmp.dir);
    expect(result.stderr).not.toMatch(/chain-broken/);
    expect(result.stdout).toBe(`ok: ${2 * perWrapper} records`);
  }, 60_000);

  test('a wrapper appending to a log whose last line was cut short closes that line; verify names it', async () => {
    const audit = join(tmp.dir, 'cut-short.jsonl');
    const first = await rawSession(tmp.dir, { version: '1', default: 'allow' }, audit, 'fixture');
    await first.calls([{ name: 'echo', arguments: { text: 'a' } }]);
    await first.stop();
    appendFileSync(audit, '{"time":"2026-');
    const second = await rawSession(tmp.dir, { version: '1', default: 'allow' }, audit, 'fixture');
    await second.calls([{ name: 'echo', arguments: { text: 'b' } }]);
    await second.stop();
    expect(lines(audit)).toHaveLength(3);
    const result = await policyWrap(['audit', 'verify', audit], tmp.dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/cut-short\.jsonl:2: audit\.chain-broken: not an audit record/);
    // Past the damaged line the chain goes on: the third line links to the second as written.
    const [, damaged, third] = lines(audit);
    expect(damaged).toBe('{"time":"2026-');
    expect(JSON.parse(third as string).prev).toBe(createHash('sha256').update(`${damaged as string}\n`).digest('hex'));
  }, 30_000);
});

describe('a write the file takes only part of', () => {
  test('the record cut short is finished where it stopped, after the failure clears, and the log verifies', async () => {
    const audit = join(tmp.dir, 'short-write.jsonl');
    const result = await execa(process.execPath, [join(root, 'tests/fixtures/audit/short-write.mjs'), join(root, 'dist/audit/sink.js'), audit], { reject: false });
    expect(result.exitCode).toBe(0);
    // The short write and then the failure both happened.
    expect(JSON.parse(result.stdout)).toEqual({ during: 'whole' });
    expect(records(audit).map((record) => record.n)).toEqual([1, 2, 3, 4, 5]);
    expect(lines(audit)).toHaveLength(5);
    const verified = await policyWrap(['audit', 'verify', audit], tmp.dir);
    expect(verified).toMatchObject({ exitCode: 0, stdout: 'ok: 5 records' });
  });
});
