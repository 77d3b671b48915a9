import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, fixtureServer, requireBuild, root, tempDir, writePolicy } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** A policy without lint warnings, so that the error is the only line. */
const limited = { version: '1', default: 'deny', tools: { echo: { limits: [{ window: 'minute', max: 10 }] } } };

let run = 0;

/** Runs the CLI to its end; `spawned` tells whether the server (the fixture, which writes PID_FILE) ever started. */
async function runCli(own: string[], command: string[] = [process.execPath, fixtureServer]) {
  run += 1;
  const pidFile = join(tmp.dir, `pids-${run}`);
  const started = Date.now();
  const result = await execa(process.execPath, [cli, ...own, '--', ...command], {
    cwd: root,
    env: { FORCE_COLOR: '0', PID_FILE: pidFile },
    reject: false,
    input: '',
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, spawned: existsSync(pidFile), ms: Date.now() - started };
}

describe('an --audit file that cannot be opened stops start-up: exit 2, one line with its code, nothing spawned or opened', () => {
  const policy = writePolicy(tmp.dir, limited, 'audit-policy.json');

  test.each([
    ['a folder that does not exist', () => join(tmp.dir, 'no-such-folder', 'audit.jsonl'), /the folder \S+no-such-folder does not exist/],
    ['a path through a file', () => (writeFileSync(join(tmp.dir, 'a-file'), ''), join(tmp.dir, 'a-file', 'audit.jsonl')), /is not a folder/],
    ['a folder where the file should be', () => (mkdirSync(join(tmp.dir, 'a-folder')), join(tmp.dir, 'a-folder')), /it is a folder/],
  ])('%s', async (_name, target, reason) => {
    const audit = target();
    const state = join(tmp.dir, `state-${run + 1}`, 'counters.sqlite');
    const result = await runCli(['--policy', policy, '--audit', audit, '--state', state]);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap: audit\.open-failed: [^\n]+$/);
    expect(result.stderr).toContain(audit);
    expect(result.stderr).toMatch(reason);
    // The store is never opened: no SQLite file is left behind by a start that failed.
    expect(existsSync(state)).toBe(false);
  });
});

describe('--timeout out of range: exit 2, one line with its code, no server started', () => {
  // 3,000,000 s is past the 2^31-1 ms a Node timer can wait: it used to fire at once ("no answer").
  const policy = writePolicy(tmp.dir, limited, 'timeout-policy.json');
  const commands: Array<[string, string[]]> = [
    ['lint --server', ['lint', '--server', policy]],
    ['init', ['init']],
    ['tools', ['tools', '--policy', policy]],
  ];
  const values = ['3000000', '86401', '0', 'soon'];

  test.each(commands.flatMap(([name, own]) => values.map((value): [string, string, string[]] => [name, value, own])))('%s --timeout %s', async (_name, value, own) => {
    const result = await runCli([...own, '--timeout', value]);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', spawned: false });
    expect(result.stderr).toMatch(/^policy-wrap (lint|init|tools): cli\.bad-timeout: --timeout \S+: [^\n]+$/);
  });

  test.each(commands)('%s: the largest --timeout, a day, is accepted and waited for', async (_name, own) => {
    // A server that never answers, and leaves when its stdin closes: the run is stopped by the test.
    const silent = "process.stdin.on('end', () => process.exit(0)).resume()";
    const child = execa(process.execPath, [cli, ...own, '--timeout', '86400', '--', process.execPath, '-e', silent], {
      cwd: root,
      env: { FORCE_COLOR: '0' },
      reject: false,
    });
    const outcome = await Promise.race([child.then(() => 'ended'), new Promise((resolve) => setTimeout(resolve, 1500, 'waiting'))]);
    child.kill('SIGTERM');
    await child;
    expect(outcome).toBe('waiting');
  });
});
