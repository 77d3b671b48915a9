import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { CHAIN_START, chainedLine, linkAfter } from '../../../src/audit/chain.js';
import { ReportBuilder } from '../../../src/audit/report.js';
import { sinceMs } from '../../../src/cli/audit-log.js';
import { renderReport } from '../../../src/cli/audit-report.js';
import type { CliIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';
import { forwarded, refused } from './calls.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd: string, tty = false): Promise<Run> {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined };
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env, cwd };
  const code = await main(argv, io);
  return { code, stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

/** A chained log of these records. */
function writeLog(file: string, records: readonly object[]): void {
  let prev = CHAIN_START;
  const lines = records.map((record) => {
    const line = chainedLine(JSON.stringify(record), prev);
    prev = linkAfter(line);
    return line;
  });
  writeFileSync(file, lines.join(''));
}

const record = (tool: string, decision = 'allow', extra: object = {}) => ({ time: '2026-12-03T10:00:00.000Z', session: 's', grant: 'default', tool, decision, enforced: true, rule: '(default)', argumentKeys: [], argumentsDigest: 'sha256:x', ...extra });

describe('policy-wrap audit (in process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-audit-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('help audit and audit --help print the same text on stdout, exit 0', async () => {
    const help = await run(['help', 'audit'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: policy-wrap audit <verify\|report\|replay\|suggest>/);
    expect(help.stdout).toMatch(/verify <file>/);
    expect(await run(['audit', '--help'], dir)).toEqual(help);
    const verifyHelp = await run(['audit', 'verify', '--help'], dir);
    expect(verifyHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: policy-wrap audit verify <file>/) });
  });

  test('no command, an unknown one, or a server after --: exit 2 on stderr', async () => {
    expect(await run(['audit'], dir)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/name what to do/) });
    expect(await run(['audit', 'verfy'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no audit command "verfy".*verify/) });
    expect(await run(['audit', 'verify', 'x', '--', 'node'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/audit\.no-command/) });
    expect(await run(['audit', 'report', '--format', 'xml', 'x'], dir)).toMatchObject({ code: 2 });
  });

  test('verify: ok on stdout, the chain head on stderr; a broken line on stderr, exit 1', async () => {
    writeLog(join(dir, 'a.jsonl'), [record('echo'), record('echo')]);
    const ok = await run(['audit', 'verify', 'a.jsonl'], dir);
    expect(ok).toMatchObject({ code: 0, stdout: 'ok: 2 records\n', stderr: expect.stringMatching(/chain head [0-9a-f]{64}/) });
    writeFileSync(join(dir, 'b.jsonl'), '{"n":1}\n');
    expect(await run(['audit', 'verify', 'b.jsonl'], dir)).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^b\.jsonl:1: audit\.chain-broken: /) });
  });

  test('report skips lines that are not call records and says how many', async () => {
    writeFileSync(join(dir, 'mixed.jsonl'), `${JSON.stringify(record('echo'))}\nnot json\n{"other":1}\n`);
    const result = await run(['audit', 'report', '--format', 'json', 'mixed.jsonl'], dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ calls: 1 });
    expect(result.stderr).toMatch(/skipped 2 lines of mixed\.jsonl that are not call records \(first: line 2\)/);
  });

  test('suggest --out writes 0600 and will not overwrite without --force; a bad --headroom is exit 2', async () => {
    writeLog(join(dir, 'a.jsonl'), [record('echo', 'allow', { outcome: 'result', latencyMs: 3 })]);
    const first = await run(['audit', 'suggest', '--out', 'p.json', 'a.jsonl'], dir);
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(statSync(join(dir, 'p.json')).mode & 0o777).toBe(0o600);
    expect(await run(['audit', 'suggest', '--out', 'p.json', 'a.jsonl'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/audit\.out-exists/) });
    expect(await run(['audit', 'suggest', '--out', 'p.json', '--force', 'a.jsonl'], dir)).toMatchObject({ code: 0 });
    expect(await run(['audit', 'suggest', '--headroom', '0.5', 'a.jsonl'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/audit\.bad-headroom/) });
  });

  test('replay with a policy that has errors: its problems and exit 2', async () => {
    writeLog(join(dir, 'a.jsonl'), [record('echo')]);
    writeFileSync(join(dir, 'bad.json'), '{"version":"1"}');
    expect(await run(['audit', 'replay', '--policy', 'bad.json', 'a.jsonl'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/audit\.policy-unusable/) });
  });

  test('--since: an ISO time or how long ago; anything else is exit 2', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(sinceMs(undefined, now)).toBe(Number.NEGATIVE_INFINITY);
    expect(sinceMs('1h', now)).toBe(Date.parse('2026-12-03T11:00:00Z'));
    expect(sinceMs('30m', now)).toBe(Date.parse('2026-12-03T11:30:00Z'));
    expect(sinceMs('2026-12-03T10:00:00Z', now)).toBe(Date.parse('2026-12-03T10:00:00Z'));
    expect(() => sinceMs('yesterday', now)).toThrow(expect.objectContaining({ code: 'audit.bad-since' }));
    expect(() => sinceMs('5', now)).toThrow(expect.objectContaining({ code: 'audit.bad-since' }));
  });

  test('the report reads the same with colour (a terminal) and without (a pipe), and has no escapes in a pipe', () => {
    const builder = new ReportBuilder();
    for (const call of [forwarded(0, 'echo'), refused(60_000, 'echo', 'limited', 'limit'), refused(120_000, 'rm', 'deny', 'rule')]) builder.add(call);
    const report = builder.build();
    const plain = renderReport('a.jsonl', report, new Chalk({ level: 0 }));
    const coloured = renderReport('a.jsonl', report, new Chalk({ level: 1 }));
    expect(plain).not.toMatch(/\u001b\[/);
    expect(coloured).toMatch(/\u001b\[/);
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });
});
