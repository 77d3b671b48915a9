import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  describe('action "ask"', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'policy-wrap-lint-ask-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('a clean ask policy: exit 0, ok', async () => {
      const file = join(dir, 'ask.json');
      writeFileSync(
        file,
        JSON.stringify({ version: '1', default: 'deny', tools: { delete_playlist: { action: 'ask', approval: { timeout: 60, remember: 'session' }, limits: [{ window: 'hour', max: 3 }] } } }),
      );
      const run = await lint([file]);
      expect([run.exitCode, run.stdout, run.stderr]).toEqual([0, `${file}: ok`, '']);
    });

    test('its warnings, located: ask in monitor mode, approval ignored there, hide on an asked tool, a short remember', async () => {
      const file = join(dir, 'ask-warnings.json');
      writeFileSync(
        file,
        [
          '{',
          '  "version": "1",',
          '  "default": "deny",',
          '  "mode": "monitor",',
          '  "tools": {',
          '    "a": { "action": "ask", "approval": { "remember": "session" } },',
          '    "b": { "action": "ask", "hide": true, "approval": { "remember": 10 } }',
          '  }',
          '}',
        ].join('\n'),
      );
      const run = await lint(['--format', 'json', file]);
      expect(run.exitCode).toBe(0);
      const problems = JSON.parse(run.stdout) as Array<{ line: number; column: number; code: string; severity: string }>;
      expect(problems.map((problem) => [problem.line, problem.column, problem.code, problem.severity])).toEqual([
        [6, 22, 'lint.ask-in-monitor', 'warning'],
        [6, 29, 'lint.ignored-field', 'warning'],
        [7, 22, 'lint.ask-in-monitor', 'warning'],
        [7, 29, 'lint.ignored-field', 'warning'],
        [7, 43, 'lint.ignored-field', 'warning'],
      ]);
      const text = await lint([file]);
      expect(text.stdout).toBe(`${file}: ok (5 warnings)`);
      expect(text.stderr.split('\n')[0]).toBe(
        `${file}:6:22: lint.ask-in-monitor: "mode" is "monitor", which blocks nothing, so nobody is asked: calls of this rule are forwarded without approval; remove "mode" (or set it to "enforce") to ask`,
      );
    });

    test('a short remember outside monitor mode: lint.remember-too-short', async () => {
      const file = join(dir, 'ask-short.json');
      writeFileSync(file, '{"version": "1", "default": "deny", "tools": {"a": {"action": "ask", "approval": {"remember": 10}}}}');
      const run = await lint([file]);
      expect(run.exitCode).toBe(0);
      expect(run.stderr).toMatch(/^.*ask-short\.json:1:95: lint\.remember-too-short: an approval remembered for 10 s lasts less than one for "call"/);
    });

    test('approval without "action": "ask" is an error: exit 1, policy.conflicting-fields at the key', async () => {
      const file = join(dir, 'ask-conflict.json');
      writeFileSync(file, '{\n  "version": "1",\n  "default": "deny",\n  "tools": {\n    "a": { "approval": { "timeout": 30 } }\n  }\n}');
      const run = await lint([file]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr.split('\n')[0]).toBe(
        `${file}:5:12: policy.conflicting-fields: "approval" applies only to a rule with "action": "ask"; this rule allows calls without asking: add "action": "ask" or remove "approval"`,
      );
    });
  });

  test('a server command that does not exist exits 127', async () => {
    const run = await lint(['--server', `${policies}/server/clean.json`, '--', 'policy-wrap-no-such-command-here']);
    expect(run.exitCode).toBe(127);
  });
});
