import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LineReader } from '../support/lines.js';
import { killAll, readPids, stillRunning } from '../support/processes.js';

/** The stand-in's test modes; its ordinary behaviour is covered in init-standin.test.ts. */
const standin = fileURLToPath(new URL('../fixtures/servers/plex-standin.mjs', import.meta.url));
const request = (id: number, method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const call = (id: number, name: string, args: object = {}) => request(id, 'tools/call', { name, arguments: args });

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plex-standin-modes-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Plex stand-in test modes', () => {
  test('STANDIN_PROGRESS: trakt_sync_to_trakt writes plain text on stdout before its answer, other tools do not', async () => {
    const result = await execa(process.execPath, [standin], {
      input: `${call(1, 'trakt_sync_to_trakt', { batchSize: 50 })}\n${call(2, 'get_libraries')}\n`,
      env: { PLEX_TOKEN: 'x', STANDIN_PROGRESS: '1' },
      extendEnv: false,
    });
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['Fetching Plex watched movies...', 'Fetching Plex watched shows...']);
    expect(lines.slice(2).map((line) => (JSON.parse(line) as { id: number; error: { code: number } }).error.code)).toEqual([-32603, -32603]);
  });

  test('without STANDIN_PROGRESS, stdout carries only JSON-RPC', async () => {
    const result = await execa(process.execPath, [standin], { input: `${call(1, 'trakt_sync_to_trakt')}\n`, env: { PLEX_TOKEN: 'x' }, extendEnv: false });
    expect(result.stdout.split('\n').map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([1]);
  });

  test('STANDIN_HANG: calls that need a backend are never answered, EOF does not end it, SIGTERM does', async () => {
    const pidFile = join(dir, 'pids');
    const child = spawn(process.execPath, [standin], { env: { PLEX_TOKEN: 'x', STANDIN_HANG: '1', PID_FILE: pidFile }, stdio: 'pipe' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
    const stdout = new LineReader(child.stdout);
    try {
      child.stdin.write(`${call(1, 'get_libraries')}\n${call(2, 'delete_playlist', { playlistId: '1' })}\n${request(3, 'ping')}\n`);
      // Answers come in order of arrival, so once ping is answered, the hanging call had its chance.
      const answered: number[] = [];
      for (;;) {
        const reply = JSON.parse(await stdout.next()) as { id: number };
        answered.push(reply.id);
        if (reply.id === 3) break;
      }
      // The write tool is refused before any backend is asked; get_libraries waits forever.
      expect(answered).toEqual([2, 3]);
      child.stdin.end();
      // Still alive after EOF: a ping through a closed stdin cannot be sent, so check the process.
      const [pid] = readPids(pidFile);
      expect(pid).toBe(child.pid);
      expect(await stillRunning([pid as number], 500)).toEqual([pid]);
      child.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
    } finally {
      killAll(readPids(pidFile));
    }
  });

  test('PID_FILE gets the pid at start, even when PLEX_TOKEN is missing and it exits at once', async () => {
    const pidFile = join(dir, 'pids');
    const running = execa(process.execPath, [standin], { env: { PID_FILE: pidFile }, extendEnv: false, reject: false });
    const result = await running;
    expect(result.exitCode).toBe(1);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${String(running.pid)}\n`);
  });
});
