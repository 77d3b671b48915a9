import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyWrapError } from '../../../src/errors.js';
import { openStore } from '../../../src/limits/open-store.js';
import { defaultStateFile, describeStateLocation, resolveStateLocation } from '../../../src/limits/state-location.js';
import { scratchDir } from './store-cases.js';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('resolveStateLocation', () => {
  const cwd = '/srv/work';

  test.each([
    ['memory', { kind: 'memory' }],
    ['counters.sqlite', { kind: 'sqlite', path: '/srv/work/counters.sqlite' }],
    ['./memory', { kind: 'sqlite', path: '/srv/work/memory' }],
    ['/var/lib/pw/c.sqlite', { kind: 'sqlite', path: '/var/lib/pw/c.sqlite' }],
    ['redis://127.0.0.1:6379', { kind: 'redis', url: 'redis://127.0.0.1:6379' }],
    ['redis://:secret@cache.internal:6380/3', { kind: 'redis', url: 'redis://:secret@cache.internal:6380/3' }],
    ['rediss://cache.internal', { kind: 'redis', url: 'rediss://cache.internal' }],
  ])('%s', (spec, location) => {
    expect(resolveStateLocation(spec, { cwd, env: {} })).toEqual(location);
  });

  test('POLICY_WRAP_STATE applies when no spec is given, and a spec wins over it', () => {
    const env = { POLICY_WRAP_STATE: 'memory' };
    expect(resolveStateLocation(undefined, { cwd, env })).toEqual({ kind: 'memory' });
    expect(resolveStateLocation('c.sqlite', { cwd, env })).toEqual({ kind: 'sqlite', path: '/srv/work/c.sqlite' });
    expect(resolveStateLocation(undefined, { cwd, env: { POLICY_WRAP_STATE: '' } })).toEqual({ kind: 'sqlite', path: defaultStateFile() });
  });

  test.each(['http://example.com/state', 'file:///tmp/c.sqlite', '', 'redis://', 'redis://host/notanumber'])(
    '%j is refused with state.invalid-spec',
    (spec) => {
      const error = thrownBy(() => resolveStateLocation(spec, { cwd, env: {} }));
      expect(error).toBeInstanceOf(PolicyWrapError);
      expect(error).toMatchObject({ code: 'state.invalid-spec', exitCode: 2 });
    },
  );

  test('an invalid Redis URL is reported without its password', () => {
    const error = thrownBy(() => resolveStateLocation('redis://:hunter2@host/x', { cwd, env: {} }));
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('describes locations without Redis passwords', () => {
    expect(describeStateLocation({ kind: 'redis', url: 'redis://:hunter2@cache:6380/1' })).toBe('Redis redis://:***@cache:6380/1');
    expect(describeStateLocation({ kind: 'sqlite', path: '/x/c.sqlite' })).toBe('SQLite file /x/c.sqlite');
  });
});

describe('defaultStateFile', () => {
  const saved = process.env.XDG_STATE_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
  });

  test('is counters.sqlite in the XDG state directory on Linux', () => {
    if (process.platform !== 'linux') throw new Error(`this test describes Linux; it ran on ${process.platform}`);
    process.env.XDG_STATE_HOME = '/home/someone/.state';
    expect(defaultStateFile()).toBe('/home/someone/.state/policy-wrap/counters.sqlite');
  });
});

describe('openStore', () => {
  let dir: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    dir = scratchDir();
  });
  afterEach(() => dir.remove());

  test('creates the directories of a new counter file', async () => {
    const file = join(dir.path, 'a', 'b', 'counters.sqlite');
    const store = await openStore(file, { env: {} });
    expect(store.kind).toBe('sqlite');
    expect(store.acquire([{ key: 'k', windowMs: 1_000, max: 1 }], 0)).toMatchObject({ admitted: true });
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  test('by default, opens counters.sqlite in the state directory', async () => {
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = join(dir.path, 'state');
    try {
      const store = await openStore(undefined, { env: {} });
      expect(store.kind).toBe('sqlite');
      await store.close();
      expect(existsSync(join(dir.path, 'state', 'policy-wrap', 'counters.sqlite'))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  test('opens memory and Redis stores by spec', async () => {
    const memory = await openStore('memory', { env: {} });
    expect(memory.kind).toBe('memory');
    await memory.close();
    // Redis connects on the first call, so opening needs no server.
    const redis = await openStore('redis://127.0.0.1:1', { env: {} });
    expect(redis.kind).toBe('redis');
    await redis.close();
  });

  test('a file whose directory cannot be made is a start-up error', async () => {
    writeFileSync(join(dir.path, 'not-a-dir'), '');
    const error = await rejectionOf(openStore(join(dir.path, 'not-a-dir', 'counters.sqlite'), { env: {} }));
    expect(error).toBeInstanceOf(PolicyWrapError);
    expect(error).toMatchObject({ code: 'state.open-failed', exitCode: 2 });
  });

  test('a path that is a directory is a start-up error', async () => {
    mkdirSync(join(dir.path, 'folder'));
    await expect(openStore(join(dir.path, 'folder'), { env: {} })).rejects.toMatchObject({ code: 'state.open-failed' });
  });

  test('a file that is not a counter database is a start-up error', async () => {
    const file = join(dir.path, 'notes.txt');
    writeFileSync(file, 'these are not counters\n'.repeat(100));
    await expect(openStore(file, { env: {} })).rejects.toMatchObject({ code: 'state.open-failed' });
  });
});
