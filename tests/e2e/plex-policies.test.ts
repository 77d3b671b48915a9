import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { ToolRow } from '../../src/tools/rows.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/policy-wrap.js');
const standin = join(root, 'tests/fixtures/servers/plex-standin.mjs');
const examplePolicy = join(root, 'examples/plex-mcp-server.policy.json');
const catalogue = JSON.parse(readFileSync(join(root, 'tests/fixtures/plex/tools.json'), 'utf8')) as {
  tools: Array<{ name: string; annotations?: { readOnlyHint?: boolean } }>;
};
const readOnlyTools = catalogue.tools
  .filter((tool) => tool.annotations?.readOnlyHint === true)
  .map((tool) => tool.name)
  .sort();

let dir: string;

function env(): Record<string, string> {
  const { POLICY_WRAP_POLICY: _policy, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, FORCE_COLOR: '0', PLEX_TOKEN: 'x' };
}

function run(args: string[]) {
  return execa('node', [cli, ...args], { cwd: dir, env: env(), extendEnv: false, reject: false });
}

beforeAll(() => {
  for (const built of ['dist/cli/lint.js', 'dist/cli/init.js', 'dist/cli/tools.js']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` before the e2e tests`);
  }
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-wrap-plex-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the example Plex policy', () => {
  test('lints clean against the stand-in: exit 0, no warnings', async () => {
    const result = await run(['lint', examplePolicy, '--server', '--', 'node', standin]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${examplePolicy}: ok`);
    // The stand-in's own start-up line is all there is on stderr.
    expect(result.stderr).toBe('plex stand-in running on stdio');
  });

  test('lints clean in JSON: an empty list', async () => {
    const result = await run(['lint', '--format', 'json', examplePolicy, '--server', '--', 'node', standin]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});

describe('a starter policy from policy-wrap init for the stand-in', () => {
  async function starter(): Promise<string> {
    const result = await run(['init', '--out', 'starter.policy.json', '--', 'node', standin]);
    if (result.exitCode !== 0) throw new Error(`init exited ${String(result.exitCode)}: ${result.stderr}`);
    return join(dir, 'starter.policy.json');
  }

  test('lints clean, on its own and against the server', async () => {
    const policy = await starter();
    const alone = await run(['lint', policy]);
    expect([alone.exitCode, alone.stdout, alone.stderr]).toEqual([0, `${policy}: ok`, '']);
    const against = await run(['lint', '--format', 'json', policy, '--server', '--', 'node', standin]);
    expect(against.exitCode).toBe(0);
    expect(JSON.parse(against.stdout)).toEqual([]);
  });

  test('policy-wrap tools shows every read-only tool allowed and nothing hidden', async () => {
    const policy = await starter();
    const result = await run(['tools', '--format', 'json', '--policy', policy, '--', 'node', standin]);
    expect(result.exitCode).toBe(0);
    const rows = JSON.parse(result.stdout) as ToolRow[];
    expect(rows).toHaveLength(58);
    expect(rows.filter((row) => row.hidden)).toEqual([]);
    expect(rows.filter((row) => row.decision === 'allowed').map((row) => row.name)).toEqual(readOnlyTools);
    // The server marks no tool both additive and closed-world, so every other tool is denied, visibly.
    expect(rows.filter((row) => row.decision === 'denied')).toHaveLength(58 - readOnlyTools.length);
    expect(rows.filter((row) => row.decision === 'limited')).toEqual([]);
  });
});
