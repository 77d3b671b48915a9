import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { killAll, readPids, stillRunning } from '../support/processes.js';
import { allowAll, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

const tmp = tempDir();
const policy = writePolicy(tmp.dir, allowAll);
let pidFiles = 0;
const started: number[] = [];

const call = (id: unknown, name: string, args: Message = {}): Message => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/** A wrapper around `command`; the fixture servers it starts write their pids to the returned file. */
function wrap(command: string[], env: Record<string, string> = {}): { wrapper: RunningWrapper; pidFile: string } {
  pidFiles += 1;
  const pidFile = join(tmp.dir, `pids-${pidFiles}`);
  const wrapper = startWrapper(['--policy', policy], command, { env: { PID_FILE: pidFile, ...env } });
  return { wrapper, pidFile };
}

/** A request the server answers: it is up, and has written its pid. */
async function ready(wrapper: RunningWrapper, pidFile: string, count = 1): Promise<number[]> {
  wrapper.send({ jsonrpc: '2.0', id: 'ready', method: 'ping' });
  expect(await wrapper.stdout.response('ready')).toMatchObject({ result: {} });
  const pids = readPids(pidFile);
  expect(pids).toHaveLength(count);
  started.push(...pids);
  return pids;
}

beforeAll(() => requireBuild());
afterAll(() => {
  killAll(started);
  tmp.remove();
});

describe('the child process', () => {
  test('command not found: a request already sent gets an error, then exit 127', async () => {
    const { wrapper } = wrap(['policy-wrap-test-no-such-command']);
    wrapper.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    const answer = await wrapper.stdout.response(1);
    expect(answer.error).toMatchObject({ code: -32000 });
    expect((await wrapper.exited).code).toBe(127);
    expect(wrapper.stderr()).toMatch(/policy-wrap: cannot start "policy-wrap-test-no-such-command": command not found/);
  });

  test('the client closes stdin: the server exits, and so does the wrapper, with its code', async () => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer]);
    const pids = await ready(wrapper, pidFile);
    wrapper.child.stdin.end();
    expect((await wrapper.exited).code).toBe(0);
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('a crash mid-call: every request in flight is answered, then the exit code is the server’s', async () => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer], { CRASH_AFTER: '3', CRASH_CODE: '7' });
    const pids = await ready(wrapper, pidFile);
    wrapper.send(call(1, 'slow', { ms: 600_000 }));
    wrapper.send(call(2, 'never'));
    wrapper.send(call(3, 'echo', { text: 'the third call crashes it' }));
    for (const id of [1, 2, 3]) expect((await wrapper.stdout.response(id)).error).toMatchObject({ code: -32000 });
    expect((await wrapper.exited).code).toBe(7);
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('a server killed by a signal: the call in flight gets an error, exit 128 + 9', async () => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer]);
    const [pid] = await ready(wrapper, pidFile);
    wrapper.send(call('pending', 'never'));
    wrapper.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
    await wrapper.stdout.response('after');
    process.kill(pid!, 'SIGKILL');
    expect((await wrapper.stdout.response('pending')).error).toMatchObject({ code: -32000 });
    expect((await wrapper.exited).code).toBe(137);
  });

  test('a server that ignores stdin EOF and SIGTERM is SIGKILLed and gone', async () => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer], { IGNORE_SIGTERM: '1' });
    const pids = await ready(wrapper, pidFile);
    wrapper.child.stdin.end();
    expect((await wrapper.exited).code).toBe(137);
    expect(wrapper.stderr()).toMatch(/stopped by SIGKILL/);
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('text the server prints on stdout goes to stderr, marked, and never to the client', async () => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer], { PRINT_TEXT: 'Fetching Plex watched movies...' });
    await ready(wrapper, pidFile);
    wrapper.send(call('p', 'print', { text: 'Syncing 12 shows' }));
    expect((await wrapper.stdout.response('p')).result.content[0].text).toBe('printed');
    wrapper.child.stdin.end();
    await wrapper.exited;
    for (const line of wrapper.stdout.lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(wrapper.stderr()).toContain('policy-wrap: server stdout (not JSON-RPC, not forwarded): "Fetching Plex watched movies..."');
    expect(wrapper.stderr()).toContain('policy-wrap: server stdout (not JSON-RPC, not forwarded): "Syncing 12 shows"');
  });

  test('a server started through a shell leaves no grandchild behind', async () => {
    const { wrapper, pidFile } = wrap(
      ['sh', '-c', `echo $$ >> "$PID_FILE"; "${process.execPath}" "${fixtureServer}"; echo "shell still here" >&2`],
      { IGNORE_SIGTERM: '1' },
    );
    const pids = await ready(wrapper, pidFile, 2);
    wrapper.child.stdin.end();
    await wrapper.exited;
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('npx running the server as a grandchild: nothing is left behind', async () => {
    const { wrapper, pidFile } = wrap(['npx', '--no-install', 'node', fixtureServer], { IGNORE_SIGTERM: '1' });
    const pids = await ready(wrapper, pidFile);
    wrapper.child.stdin.end();
    await wrapper.exited;
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('a server at a path with spaces, started by its shebang without a shell', async () => {
    const dir = join(tmp.dir, 'dir with spaces');
    mkdirSync(dir);
    const server = join(dir, 'fixture server.mjs');
    copyFileSync(fixtureServer, server);
    chmodSync(server, 0o755);
    const { wrapper, pidFile } = wrap([server]);
    await ready(wrapper, pidFile);
    wrapper.send(call('s', 'echo', { text: 'spaces are fine' }));
    expect((await wrapper.stdout.response('s')).result.content[0].text).toBe('spaces are fine');
    wrapper.child.stdin.end();
    expect((await wrapper.exited).code).toBe(0);
  });
});

describe('signals to the wrapper reach the whole process group', () => {
  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: forwarded, the call in flight is answered, exit 128 + signal', async (signal, code) => {
    const { wrapper, pidFile } = wrap([process.execPath, fixtureServer]);
    const pids = await ready(wrapper, pidFile);
    wrapper.send(call('in-flight', 'never'));
    wrapper.send({ jsonrpc: '2.0', id: 'sent', method: 'ping' });
    await wrapper.stdout.response('sent');
    wrapper.child.kill(signal);
    expect((await wrapper.stdout.response('in-flight')).error).toMatchObject({ code: -32000 });
    expect((await wrapper.exited).code).toBe(code);
    expect(await stillRunning(pids)).toEqual([]);
  });

  test('SIGHUP with a shell in between and a server that ignores it: all of them are gone', async () => {
    const { wrapper, pidFile } = wrap(
      ['sh', '-c', `echo $$ >> "$PID_FILE"; "${process.execPath}" "${fixtureServer}"; echo "shell still here" >&2`],
      { IGNORE_SIGTERM: '1' },
    );
    const pids = await ready(wrapper, pidFile, 2);
    wrapper.child.kill('SIGHUP');
    await wrapper.exited;
    expect(await stillRunning(pids)).toEqual([]);
  });
});
