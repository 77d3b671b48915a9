import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import { cli, everythingServer, fixtureServer, root, startWrapper, writePolicy, type RunningWrapper } from '../support/wrapper.js';

/** Shared by the audit-*.test.ts files: sessions through the built CLI that leave a real audit log. */

export const plexStandin = join(root, 'tests/fixtures/servers/plex-standin.mjs');

/** `policy-wrap <args>` in `cwd`, never in colour (a pipe). */
export function policyWrap(args: string[], cwd: string) {
  return execa(process.execPath, [cli, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '' }, reject: false });
}

export interface SdkSession {
  client: Client;
  close(): Promise<void>;
}

/** A real SDK client through the wrapper (memory counters, audit to `audit`, `extra` options) in front of server-everything. */
export async function everythingSession(dir: string, policy: unknown, audit: string, name = 'policy.json', extra: string[] = []): Promise<SdkSession> {
  const policyFile = writePolicy(dir, policy, name);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, '--policy', policyFile, '--state', 'memory', '--audit', audit, ...extra, '--', process.execPath, everythingServer, 'stdio'],
    env: { ...getDefaultEnvironment(), FORCE_COLOR: '0' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'policy-wrap-audit-e2e', version: '1.0.0' }, { capabilities: {} });
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`the wrapper did not start: ${stderr}`, { cause: error });
  }
  return { client, close: () => client.close() };
}

export interface RawSession {
  wrapper: RunningWrapper;
  /** sends the calls at once and resolves to their answers, in order */
  calls(calls: readonly { name: string; arguments?: Record<string, unknown> }[]): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

let nextId = 0;

/** The wrapper on raw pipes in front of `server` (the Plex stand-in or the fixture server), initialized. */
export async function rawSession(dir: string, policy: unknown, audit: string, server: 'plex' | 'fixture', extra: string[] = [], name = 'policy.json'): Promise<RawSession> {
  const policyFile = writePolicy(dir, policy, name);
  const command = [process.execPath, server === 'plex' ? plexStandin : fixtureServer];
  const wrapper = startWrapper(['--policy', policyFile, '--state', 'memory', '--audit', audit, ...extra], command, { env: { PLEX_TOKEN: 'x' } });
  wrapper.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
  await wrapper.stdout.response('init');
  wrapper.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    wrapper,
    async calls(calls) {
      const ids = calls.map((call) => {
        nextId += 1;
        const id = `audit-${nextId}`;
        wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: call.name, arguments: call.arguments ?? {} } });
        return id;
      });
      return Promise.all(ids.map((id) => wrapper.stdout.response(id)));
    },
    async stop() {
      wrapper.child.stdin.end();
      await wrapper.exited;
    },
  };
}

export const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
export const records = (file: string): Record<string, any>[] => lines(file).map((line) => JSON.parse(line) as Record<string, any>);

/** A copy of `file` with its lines changed by `change` (each kept with its `\n`). */
export function tampered(file: string, copy: string, change: (lines: string[]) => string[]): string {
  writeFileSync(copy, change(lines(file)).map((line) => `${line}\n`).join(''));
  return copy;
}
