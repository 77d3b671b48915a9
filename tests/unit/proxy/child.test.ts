import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, spawnServer, type ServerChild } from '../../../src/proxy/child.js';
import { ServerStopper } from '../../../src/proxy/shutdown.js';
import { LineReader } from '../../support/lines.js';
import { stillRunning } from '../../support/processes.js';

const fixtureServer = fileURLToPath(new URL('../../fixtures/servers/fixture-server.mjs', import.meta.url));
const quick = { graceMs: 200, termMs: 200, pollMs: 10 };

function start(env: Record<string, string> = {}): { child: ServerChild; stderr: PassThrough } {
  const stderr = new PassThrough();
  const child = spawnServer({ file: process.execPath, args: [fixtureServer], env: { ...process.env, ...env }, cwd: process.cwd(), stderr });
  return { child, stderr };
}

async function ping(child: ServerChild): Promise<void> {
  const lines = new LineReader(child.output);
  child.input.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
  expect(JSON.parse(await lines.next())).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
}

describe('exitCodeOf', () => {
  test.each([
    [{ kind: 'exited', code: 0 }, 0],
    [{ kind: 'exited', code: 7 }, 7],
    [{ kind: 'killed', signal: 'SIGTERM' }, 143],
    [{ kind: 'killed', signal: 'SIGKILL' }, 137],
    [{ kind: 'not-started', code: 'ENOENT', message: 'spawn x ENOENT' }, 127],
  ] as const)('%j -> %d', (exit, code) => {
    expect(exitCodeOf(exit)).toBe(code);
  });
});

describe('spawnServer and ServerStopper', () => {
  test('the server leads its own process group, and its stderr is passed on', async () => {
    const { child, stderr } = start();
    const said = new LineReader(stderr);
    await ping(child);
    expect(await said.next()).toBe('fixture-server ready');
    expect(child.groupAlive()).toBe(true);
    const stopper = new ServerStopper(child, quick);
    child.input.end();
    stopper.inputClosed();
    expect(await stopper.done).toEqual({ kind: 'exited', code: 0 });
    expect(child.groupAlive()).toBe(false);
  });

  test('stdin closed, SIGTERM ignored: SIGKILL follows', async () => {
    const { child } = start({ IGNORE_SIGTERM: '1' });
    await ping(child);
    const stopper = new ServerStopper(child, quick);
    child.input.end();
    stopper.inputClosed();
    expect(await stopper.done).toEqual({ kind: 'killed', signal: 'SIGKILL' });
    expect(await stillRunning([child.pid!])).toEqual([]);
  });

  test('a forwarded signal reaches the server', async () => {
    const { child } = start();
    await ping(child);
    const stopper = new ServerStopper(child, quick);
    stopper.terminate('SIGINT');
    expect(await stopper.done).toEqual({ kind: 'killed', signal: 'SIGINT' });
  });

  test('a command that does not exist is reported, not thrown', async () => {
    const child = spawnServer({ file: join(process.cwd(), 'no-such-server'), args: [], env: process.env, cwd: process.cwd(), stderr: new PassThrough() });
    expect(await child.exited).toMatchObject({ kind: 'not-started', code: 'ENOENT' });
    expect(child.signalGroup('SIGTERM')).toBe(false);
  });
});
