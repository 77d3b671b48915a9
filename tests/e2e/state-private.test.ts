import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { canonicalDigest, namespaceOfFile } from '../../src/policy/index.js';
import type { Message } from '../support/lines.js';
import { fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';
import { echo, jsonLines, receivedCalls, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

function scratch(name: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const textOf = (response: Message): unknown => response.result?.content?.[0]?.text;
const isLimited = (response: Message): boolean => response.result?._meta?.['policy-wrap/decision']?.decision === 'limited';

function wrap(policyFile: string, state: string[], record: string, more: string[] = [], env: Record<string, string> = {}): RunningWrapper {
  return startWrapper(['--policy', policyFile, ...state, '--no-watch', ...more], [process.execPath, fixtureServer], { env: { RECORD_FILE: record, ...env } });
}

/** Every byte SQLite keeps for a database: the file and, while they exist, its -wal and -shm. */
function sqliteBytes(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((name) => readFileSync(name)));
}

function storedKeys(file: string): unknown[][] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT key FROM keys').pluck().all() as string[]).map((key) => JSON.parse(key) as unknown[]);
  } finally {
    db.close();
  }
}

const perText = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 1, per: 'arguments.text' }] } } };

describe('per-value budgets keep a digest of the value, never the value', () => {
  test('a secret argument is nowhere in counters.sqlite or its -wal/-shm, while each value still has a budget of its own', async () => {
    const dir = scratch('secret');
    const state = join(dir, 'counters.sqlite');
    const policyFile = writePolicy(dir, perText);
    const secret = `sk-live-${randomUUID()}`;
    const wrapper = wrap(policyFile, ['--state', state], join(dir, 'received.jsonl'));
    try {
      expect(textOf(await echo(wrapper, 1, secret))).toBe(secret);
      expect(isLimited(await echo(wrapper, 2, secret))).toBe(true);
      expect(textOf(await echo(wrapper, 3, 'another value'))).toBe('another value');
      // Checked while the wrapper runs too, when the newest pages may sit in the -wal only.
      expect(sqliteBytes(state).includes(secret)).toBe(false);
    } finally {
      await stop(wrapper);
    }
    expect(receivedCalls(join(dir, 'received.jsonl')).map((call) => call.params.arguments.text)).toEqual([secret, 'another value']);
    expect(sqliteBytes(state).includes(secret)).toBe(false);
    const keys = storedKeys(state);
    expect(keys.map((key) => key.at(-1)).sort()).toEqual([canonicalDigest('another value'), canonicalDigest(secret)].sort());
    expect(keys.every((key) => key[0] === namespaceOfFile(policyFile))).toBe(true);
  }, 30_000);

  test('large values cost a key of fixed size: three values of 4 MiB leave the file small', async () => {
    const dir = scratch('large');
    const state = join(dir, 'counters.sqlite');
    const wrapper = wrap(writePolicy(dir, perText), ['--state', state], join(dir, 'received.jsonl'));
    try {
      for (const letter of ['a', 'b', 'c']) {
        const response = await echo(wrapper, letter, letter.repeat(4 * 1024 * 1024));
        expect((textOf(response) as string).length).toBe(4 * 1024 * 1024);
      }
    } finally {
      await stop(wrapper);
    }
    expect(storedKeys(state)).toHaveLength(3);
    expect(sqliteBytes(state).length).toBeLessThan(1024 * 1024);
  }, 30_000);

  test('in Redis too: the key holds the digest, the secret is in no key', async () => {
    const redisUrl = process.env.POLICY_WRAP_TEST_REDIS_URL;
    if (!redisUrl) throw new Error('this test needs POLICY_WRAP_TEST_REDIS_URL (npm test starts redis-server; install Debian\'s redis-server)');
    const dir = scratch('redis');
    const prefix = `policy-wrap-test:${randomUUID()}:`;
    const secret = `sk-live-${randomUUID()}`;
    const wrapper = wrap(writePolicy(dir, perText), ['--state', redisUrl as string, '--state-prefix', prefix], join(dir, 'received.jsonl'));
    try {
      expect(textOf(await echo(wrapper, 1, secret))).toBe(secret);
    } finally {
      await stop(wrapper);
    }
    const redis = new Redis(redisUrl as string);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain(secret);
      expect(keys[0]).toContain(canonicalDigest(secret));
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});

describe('what the wrapper creates is private to its user', () => {
  test('the default state folder is 0700, counters.sqlite and its -wal/-shm 0600, a new audit file 0600', async () => {
    const dir = scratch('modes');
    const xdg = join(dir, 'xdg-state');
    const audit = join(dir, 'audit.jsonl');
    const wrapper = wrap(writePolicy(dir, perText), [], join(dir, 'received.jsonl'), ['--audit', audit], { XDG_STATE_HOME: xdg, POLICY_WRAP_STATE: '' });
    const state = join(xdg, 'policy-wrap', 'counters.sqlite');
    const modeOf = (path: string): number => statSync(path).mode & 0o777;
    try {
      expect(textOf(await echo(wrapper, 1))).toBe('1');
      expect([xdg, join(xdg, 'policy-wrap')].map(modeOf)).toEqual([0o700, 0o700]);
      expect([state, `${state}-wal`, `${state}-shm`, audit].map(modeOf)).toEqual([0o600, 0o600, 0o600, 0o600]);
    } finally {
      await stop(wrapper);
    }
    expect(jsonLines(audit).map((record) => record.decision)).toEqual(['allow']);
  }, 30_000);
});

describe('budgets are namespaced by policy', () => {
  const oneCall = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 1, scope: 'global' }] } } };
  const oneNamed = { version: '1', default: 'allow', tools: { echo: { limits: [{ counter: 'echoes', window: 'minute', max: 1, scope: 'global' }] } } };

  /** One call through each wrapper in turn, all counting in `state`; true where the call was admitted. */
  async function admittedInTurn(policyFiles: string[], state: string, dir: string): Promise<boolean[]> {
    const wrappers = policyFiles.map((file, n) => wrap(file, ['--state', state], join(dir, `received-${n}.jsonl`)));
    try {
      const admitted: boolean[] = [];
      for (const wrapper of wrappers) admitted.push(!isLimited(await echo(wrapper, 1)));
      return admitted;
    } finally {
      for (const wrapper of wrappers) await stop(wrapper);
    }
  }

  test('two unrelated servers with the same unnamed limit in one SQLite file do not share a budget', async () => {
    const dir = scratch('unrelated');
    const files = [writePolicy(scratch('unrelated/plex'), oneCall), writePolicy(scratch('unrelated/files'), oneCall)];
    expect(await admittedInTurn(files, join(dir, 'counters.sqlite'), dir)).toEqual([true, true]);
  }, 30_000);

  test('an explicit counter name is namespaced too', async () => {
    const dir = scratch('named');
    const files = [writePolicy(scratch('named/plex'), oneNamed), writePolicy(scratch('named/files'), oneNamed)];
    expect(await admittedInTurn(files, join(dir, 'counters.sqlite'), dir)).toEqual([true, true]);
  }, 30_000);

  test('two wrappers of the same policy file (Claude Desktop and Cursor) share it', async () => {
    const dir = scratch('same-file');
    const file = writePolicy(dir, oneCall);
    expect(await admittedInTurn([file, file], join(dir, 'counters.sqlite'), dir)).toEqual([true, false]);
  }, 30_000);

  test('two policy files that set the same namespace share the budgets they name alike', async () => {
    const dir = scratch('same-namespace');
    const shared = { ...oneNamed, namespace: 'media' };
    const files = [writePolicy(scratch('same-namespace/a'), shared), writePolicy(scratch('same-namespace/b'), shared)];
    expect(await admittedInTurn(files, join(dir, 'counters.sqlite'), dir)).toEqual([true, false]);
  }, 30_000);
});
