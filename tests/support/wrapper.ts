import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineReader, type Message } from './lines.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(root, 'bin/policy-wrap.js');
/** The reusable test server; its env vars are documented at the top of the file. */
export const fixtureServer = join(root, 'tests/fixtures/servers/fixture-server.mjs');
export const everythingServer = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** E2E tests run the built CLI; without a build they fail and say so. */
export function requireBuild(): void {
  if (!existsSync(join(root, 'dist/cli/wrap.js'))) throw new Error('dist/cli/wrap.js is missing: run `npm run build` before the e2e tests');
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'policy-wrap-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writePolicy(dir: string, policy: unknown, name = 'policy.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof policy === 'string' ? policy : JSON.stringify(policy));
  return file;
}

export const allowAll = { version: '1', default: 'allow' };

export interface RunningWrapper {
  child: ChildProcessWithoutNullStreams;
  /** what the wrapper wrote on stdout, line by line */
  stdout: LineReader;
  stderr(): string;
  send(message: Message | string | Buffer): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/policy-wrap.js <args> -- <command>`, on raw pipes. */
export function startWrapper(args: string[], command: string[], options: { env?: Record<string, string>; cwd?: string } = {}): RunningWrapper {
  const child = spawn(process.execPath, [cli, ...args, '--', ...command], {
    cwd: options.cwd ?? root,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: new LineReader(child.stdout),
    stderr: () => stderr,
    send: (message) => {
      child.stdin.write(typeof message === 'string' || Buffer.isBuffer(message) ? message : `${JSON.stringify(message)}\n`);
    },
    exited,
  };
}
