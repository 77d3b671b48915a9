import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/policy-wrap.js');
const policies = 'tests/fixtures/policies';

function lint(args: string[], env: Record<string, string> = {}) {
  return execa('node', [cli, 'lint', ...args], { cwd: root, env: { ...env, FORCE_COLOR: '0' }, reject: false, stdin: 'ignore' });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli/lint.js'))) throw new Error('dist/cli/lint.js is missing: run `npm run build` before the e2e tests');
});

describe('node bin/policy-wrap.js lint', () => {
  test('exit 0 and one "ok" line for a clean policy', async () => {
    const run = await lint([`${policies}/valid/trakt-example.json`]);
    expect([run.exitCode, run.stdout, run.stderr]).toEqual([0, `${policies}/valid/trakt-example.json: ok`, '']);
  });

  test('exit 1 with located problems for a policy with errors', async () => {
    const run = await lint([`${policies}/unknown-field-limit.json`]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(/^tests\/fixtures\/policies\/unknown-field-limit\.json:6:7: policy\.unknown-field: .*did you mean "limits"/);
    expect(run.stdout).toBe('');
  });

  test('exit 2 on a usage error', async () => {
    const run = await lint([]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/usage: policy-wrap lint/);
  });

  test('--format json prints the problems as JSON on stdout', async () => {
    const run = await lint(['--format', 'json', `${policies}/schema-negative-max.json`]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        file: `${policies}/schema-negative-max.json`,
        line: 5,
        column: 52,
        code: 'policy.schema',
        severity: 'error',
        message: '/tools/x/limits/0/max must be >= 0',
      },
    ]);
  });

  test('--server checks the policy against the tools a real server lists', async () => {
    const run = await lint(
      ['--format', 'json', '--server', `${policies}/server/no-such-tool.json`, `${policies}/server/unmentioned-tool.json`, '--', 'node', 'tests/fixtures/servers/tool-catalogue.mjs'],
      { TOOLS_FILE: 'tests/fixtures/servers/tool-catalogue.json', PAGE_SIZE: '4' },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/tool-catalogue: serving 6 tools/);
    const problems = JSON.parse(run.stdout) as Array<{ file: string; line: number; column: number; code: string; message: string }>;
    expect(problems.map((problem) => [problem.file, problem.line, problem.column, problem.code])).toEqual([
      [`${policies}/server/no-such-tool.json`, 5, 5, 'lint.no-such-tool'],
      [`${policies}/server/unmentioned-tool.json`, 3, 14, 'lint.unmentioned-tool'],
    ]);
    expect(problems[0]?.message).toMatch(/did you mean "trakt_authenticate"/);
  });

  test('a server command that does not exist exits 127', async () => {
    const run = await lint(['--server', `${policies}/server/clean.json`, '--', 'policy-wrap-no-such-command-here']);
    expect(run.exitCode).toBe(127);
  });
});
