import { PassThrough } from 'node:stream';
import { lintCommand } from '../../../src/cli/lint.js';
import type { CliIo } from '../../../src/cli/io.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function lint(own: string[], command?: string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env: { ...process.env, ...options.env }, cwd: process.cwd() };
  const code = await lintCommand(own, command, io);
  return { code, stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

const policies = 'tests/fixtures/policies';

describe('policy-wrap lint (in process)', () => {
  test('a clean policy: one "ok" line on stdout, nothing on stderr, exit 0', async () => {
    expect(await lint([`${policies}/valid/trakt-example.json`])).toEqual({ code: 0, stdout: `${policies}/valid/trakt-example.json: ok\n`, stderr: '' });
  });

  test('errors: every problem on stderr as file:line:column: code: message, exit 1', async () => {
    const run = await lint([`${policies}/many-errors.json`, `${policies}/valid/trakt-example.json`]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 5).map((line) => line.split(': ')[0] + ': ' + line.split(': ')[1])).toEqual([
      `${policies}/many-errors.json:2:14: policy.schema`,
      `${policies}/many-errors.json:5:12: policy.unknown-field`,
      `${policies}/many-errors.json:6:5: policy.bad-glob`,
      `${policies}/many-errors.json:6:36: policy.schema`,
      `${policies}/many-errors.json:6:46: policy.schema`,
    ]);
    expect(lines[5]).toBe(`${policies}/many-errors.json: 5 errors`);
    expect(run.stdout).toBe(`${policies}/valid/trakt-example.json: ok\n`);
  });

  test('warnings alone exit 0 and are still shown', async () => {
    const run = await lint([`${policies}/warn-max-zero.json`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^tests\/fixtures\/policies\/warn-max-zero\.json:5:59: lint\.max-zero: /);
    expect(run.stdout).toBe(`${policies}/warn-max-zero.json: ok (1 warning)\n`);
  });

  test('--format json: a list on stdout with file, line, column, code, severity, message', async () => {
    const run = await lint(['--format', 'json', `${policies}/duplicate-key.json`, `${policies}/warn-max-zero.json`, `${policies}/nope.json`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { file: `${policies}/duplicate-key.json`, line: 6, column: 5, code: 'policy.duplicate-key', severity: 'error', message: expect.any(String) },
      { file: `${policies}/warn-max-zero.json`, line: 5, column: 59, code: 'lint.max-zero', severity: 'warning', message: expect.any(String) },
      { file: `${policies}/nope.json`, line: 1, column: 1, code: 'policy.missing', severity: 'error', message: expect.any(String) },
    ]);
  });

  test('--format json on clean files prints an empty list', async () => {
    expect(await lint(['--format=json', `${policies}/valid/every-field.json`])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  test('colours only on a terminal (unless FORCE_COLOR or NO_COLOR say otherwise)', async () => {
    const env = { FORCE_COLOR: undefined, NO_COLOR: undefined };
    const plain = await lint([`${policies}/duplicate-key.json`], undefined, { env });
    expect(plain.stderr).not.toMatch(/\u001b\[/);
    const coloured = await lint([`${policies}/duplicate-key.json`], undefined, { tty: true, env });
    expect(coloured.stderr).toMatch(/\u001b\[/);
  });

  test.each([
    [[], undefined, /missing required argument/],
    [['--format', 'yaml', 'p.json'], undefined, /--format/],
    [['--bogus', 'p.json'], undefined, /unknown option/],
    [['--server', 'p.json'], undefined, /--server needs the server command/],
    [['--server', 'p.json'], [], /--server needs the server command/],
    [['p.json'], ['node', 'server.js'], /only used with --server/],
    [['--timeout', '0', '--server', 'p.json'], ['node'], /seconds above 0/],
  ] as Array<[string[], string[] | undefined, RegExp]>)('usage error %j %j exits 2', async (own, command, message) => {
    const run = await lint(own, command);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test('--help exits 0', async () => {
    const run = await lint(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--format/);
  });
});

describe('policy-wrap lint --server (in process, real server process)', () => {
  const env = { TOOLS_FILE: 'tests/fixtures/servers/tool-catalogue.json', PAGE_SIZE: '2' };
  const server = ['node', 'tests/fixtures/servers/tool-catalogue.mjs'];

  test('adds what only the server can tell, reading every page of tools/list', async () => {
    const run = await lint(['--server', `${policies}/server/no-such-tool.json`, `${policies}/server/unknown-argument.json`, `${policies}/server/clean.json`], server, { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/tool-catalogue: serving 6 tools/);
    expect(run.stderr).toMatch(/no-such-tool\.json:5:5: lint\.no-such-tool: .*did you mean "trakt_authenticate"/);
    expect(run.stderr).toMatch(/unknown-argument\.json:7:25: lint\.unknown-argument: /);
    // playlist_remove is on the last page: finding it proves every page was read.
    expect(run.stderr).toMatch(/unknown-argument\.json:11:35: lint\.unknown-argument: "itemKey" is not in the inputSchema of playlist_remove/);
    expect(run.stdout).toMatch(/clean\.json: ok\n/);
  });

  test('a server that cannot be started exits 127', async () => {
    const run = await lint(['--server', `${policies}/server/clean.json`], ['policy-wrap-no-such-command-here']);
    expect(run.code).toBe(127);
    expect(run.stderr).toMatch(/lint\.command-not-found/);
  });

  test('a server that dies before listing its tools exits 1 with lint.server-failed', async () => {
    const run = await lint(['--server', `${policies}/server/clean.json`], ['node', '-e', 'process.exit(3)']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/lint\.server-failed/);
  });

  test('the server is not started when no policy loads', async () => {
    const run = await lint(['--server', `${policies}/duplicate-key.json`], server, { env });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/tool-catalogue/);
  });
});
