import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { definitionOf, pinOf } from '../../../src/pins/definition.js';
import { MemoryPinStore } from '../../../src/pins/memory-pins.js';
import { openPinStore } from '../../../src/pins/open-pin-store.js';
import { RedisPinStore } from '../../../src/pins/redis-pins.js';
import { SqlitePinStore } from '../../../src/pins/sqlite-pins.js';
import type { PinStore } from '../../../src/pins/types.js';
import { testRedisUrl } from '../../support/redis.js';
import { scratchDir } from '../approvals/scratch.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

const pin = (name: string, description: string, at = 1) => pinOf(definitionOf({ name, description, inputSchema: { type: 'object', properties: { n: { type: 'number', maximum: 1.5 } } } })!, at);

const backends: [string, () => PinStore][] = [
  ['memory', () => new MemoryPinStore()],
  ['sqlite', () => new SqlitePinStore(join(scratch.path, `${randomUUID()}.sqlite`))],
  ['redis', () => new RedisPinStore({ url: testRedisUrl(), keyPrefix: `test-${randomUUID()}:` })],
];

describe.each(backends)('the %s pin store', (_name, open) => {
  let store: PinStore;
  beforeEach(() => {
    store = open();
  });
  afterEach(() => store.close());

  test('starts empty per server', async () => {
    expect((await store.load('server:a')).size).toBe(0);
  });

  test('pinNew pins new tools only, first writer wins, and returns every pin of the server', async () => {
    const first = await store.pinNew('server:a', [pin('weather', 'one'), pin('stable', 'same')]);
    expect([...first.keys()].sort()).toEqual(['stable', 'weather']);
    const second = await store.pinNew('server:a', [pin('weather', 'two', 2), pin('added', 'new')]);
    expect(second.get('weather')).toEqual(pin('weather', 'one'));
    expect([...second.keys()].sort()).toEqual(['added', 'stable', 'weather']);
    expect(await store.load('server:a')).toEqual(second);
    expect((await store.load('server:b')).size).toBe(0);
  });

  test('a pin reads back exactly, so its digest still matches its definition', async () => {
    await store.pinNew('server:a', [pin('weather', 'ünïcode "quoted"')]);
    expect((await store.load('server:a')).get('weather')).toEqual(pin('weather', 'ünïcode "quoted"'));
  });

  test('replace makes the pins exactly the given ones', async () => {
    await store.pinNew('server:a', [pin('weather', 'one'), pin('gone', 'x')]);
    await store.pinNew('server:b', [pin('weather', 'other server')]);
    await store.replace('server:a', [pin('weather', 'two', 5)]);
    expect([...(await store.load('server:a')).values()]).toEqual([pin('weather', 'two', 5)]);
    expect((await store.load('server:b')).get('weather')?.definition.description).toBe('other server');
  });
});

describe('where pins live', () => {
  test('the SQLite file is shared between stores (processes) and private to its owner', async () => {
    const file = join(scratch.path, 'shared.sqlite');
    const a = new SqlitePinStore(file);
    const b = new SqlitePinStore(file);
    try {
      await a.pinNew('server:a', [pin('weather', 'one')]);
      await b.replace('server:a', [pin('weather', 'accepted')]);
      expect((await a.load('server:a')).get('weather')?.definition.description).toBe('accepted');
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('Redis keeps one hash per server under the prefix', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = new RedisPinStore({ url: testRedisUrl(), keyPrefix: prefix });
    const client = new Redis(testRedisUrl());
    try {
      await store.pinNew('server:a', [pin('weather', 'one')]);
      expect(await client.hkeys(`${prefix}pins:server:a`)).toEqual(['weather']);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  test('openPinStore opens by the --state spec', async () => {
    const memory = await openPinStore('memory');
    const sqlite = await openPinStore(join(scratch.path, 'opened.sqlite'));
    const redis = await openPinStore(testRedisUrl());
    expect([memory.kind, sqlite.kind, redis.kind]).toEqual(['memory', 'sqlite', 'redis']);
    await Promise.all([memory.close(), sqlite.close(), redis.close()]);
  });
});
