import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { loadPolicyFile } from '../../src/policy/load.js';
import { formatProblem } from '../../src/policy/problems.js';
import { lintAgainstServer } from '../../src/policy/server-lint.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/policy-wrap.js');
const standin = join(root, 'tests/fixtures/servers/plex-standin.mjs');
const catalogue = JSON.parse(readFileSync(join(root, 'tests/fixtures/plex/tools.json'), 'utf8')) as {
  tools: Array<{ name: string; annotations?: { readOnlyHint?: boolean } }>;
};

interface Rule {
  action?: string;
  hide?: boolean;
  reason?: string;
}

let dir: string;

function envWith(extra: Record<string, string>, { token = true } = {}): Record<string, string> {
  const { PLEX_TOKEN: _ignored, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, ...(token ? { PLEX_TOKEN: 'x' } : {}), ...extra };
}

function init(own: string[], server: string[], env: Record<string, string> = envWith({})) {
  return execa('node', [cli, 'init', ...own, '--', ...server], { cwd: dir, env, extendEnv: false, reject: false });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli/init.js'))) throw new Error('dist/cli/init.js is missing: run `npm run build` before the e2e tests');
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-wrap-init-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('policy-wrap init against the Plex stand-in', () => {
  test('writes a starter policy that loads and lints clean and hides nothing read-only', async () => {
    const result = await init(['--out', 'policy.json'], ['node', standin]);
    expect(result.stderr).toContain('58 tools: 36 read-only allowed, 0 rate-limited, 22 denied');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');

    const policy = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8')) as { default: string; tools: Record<string, Rule> };
    const loaded = loadPolicyFile(join(dir, 'policy.json'));
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.warnings.map(formatProblem)).toEqual([]);
    expect(lintAgainstServer(loaded.policy, catalogue.tools)).toEqual([]);

    expect(policy.default).toBe('deny');
    expect(Object.keys(policy.tools)).toEqual(catalogue.tools.map((tool) => tool.name).sort());
    for (const tool of catalogue.tools.filter((candidate) => candidate.annotations?.readOnlyHint === true)) {
      expect(policy.tools[tool.name]).toMatchObject({ action: 'allow' });
      expect(policy.tools[tool.name]?.hide).not.toBe(true);
    }
    expect(Object.values(policy.tools).filter((rule) => rule.hide === true)).toEqual([]);
  });

  test('prints the same policy to stdout without --out', async () => {
    const written = await init(['--out', 'policy.json'], ['node', standin]);
    expect(written.exitCode).toBe(0);
    const printed = await init([], ['node', standin]);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout + '\n').toBe(readFileSync(join(dir, 'policy.json'), 'utf8'));
  });

  test('only initializes and lists tools: it never calls one', async () => {
    const record = join(dir, 'received.jsonl');
    const result = await init([], ['node', standin], envWith({ RECORD_FILE: record }));
    expect(result.exitCode).toBe(0);
    const methods = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { method?: string }).method);
    expect(methods).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
  });

  test('refuses to overwrite an existing file without --force, before starting the server', async () => {
    const out = join(dir, 'policy.json');
    const record = join(dir, 'received.jsonl');
    writeFileSync(out, 'mine\n');
    const result = await init(['--out', out], ['node', standin], envWith({ RECORD_FILE: record }));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--force');
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
    expect(existsSync(record)).toBe(false);
  });

  test('overwrites an existing file with --force', async () => {
    const out = join(dir, 'policy.json');
    writeFileSync(out, 'mine\n');
    const result = await init(['--out', out, '--force'], ['node', standin]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ version: '1', default: 'deny' });
  });
});

describe('policy-wrap init failures', () => {
  test('a server that exits before answering: exit 1, its stderr passed through, no file', async () => {
    const result = await init(['--out', 'policy.json'], ['node', standin], envWith({}, { token: false }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PLEX_TOKEN environment variable is required');
    expect(result.stderr).toContain('stopped before listing its tools');
    expect(existsSync(join(dir, 'policy.json'))).toBe(false);
  });

  test('a server that never answers: exit 1 after --timeout, and the server is stopped', async () => {
    const pidFile = join(dir, 'pid');
    const silent = `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const result = await init(['--timeout', '1'], ['node', '-e', silent]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no answer within 1 second');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  test('a command that does not exist: exit 127', async () => {
    const result = await init([], ['policy-wrap-no-such-command']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('cannot start policy-wrap-no-such-command');
  });

  test('no server command: exit 2', async () => {
    const result = await execa('node', [cli, 'init', '--out', 'policy.json'], { cwd: dir, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('after --');
  });

  test('an unknown option: exit 2', async () => {
    const result = await init(['--outt', 'x'], ['node', standin]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--outt'");
  });
});
