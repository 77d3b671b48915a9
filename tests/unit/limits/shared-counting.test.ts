import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { RedisStore } from '../../../src/limits/redis-store.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import { testRedisUrl } from '../../support/redis.js';
import { fixture, spawnWithLines } from './child-lines.js';
import { scratchDir } from './store-cases.js';

const contenders = 8;
const attemptsEach = 50;
const max = 100;
const windowMs = 60_000;
const t0 = 1_700_000_000_000;

interface Outcome {
  admitted: number;
  refused: number;
  errors: string[];
}

/** Starts every contender, lets them all go at once, and collects what each got. */
async function race(spec: string, keyPrefix: string): Promise<Outcome[]> {
  const children = Array.from({ length: contenders }, () =>
    spawnWithLines(process.execPath, [fixture('race.js'), spec, keyPrefix, String(attemptsEach), String(max), String(windowMs), String(t0)]),
  );
  try {
    for (const child of children) expect(await child.nextLine()).toBe('ready');
    for (const child of children) child.process.stdin.write('go\n');
    const outcomes: Outcome[] = [];
    for (const child of children) {
      const line = await child.nextLine();
      const { code, stderr } = await child.exited;
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      outcomes.push(JSON.parse(line) as Outcome);
    }
    return outcomes;
  } finally {
    for (const child of children) child.process.kill();
  }
}

function expectExactlyMaxAdmitted(outcomes: Outcome[]): void {
  expect(outcomes.flatMap((outcome) => outcome.errors)).toEqual([]);
  const admitted = outcomes.reduce((sum, outcome) => sum + outcome.admitted, 0);
  const refused = outcomes.reduce((sum, outcome) => sum + outcome.refused, 0);
  expect({ admitted, refused }).toEqual({ admitted: max, refused: contenders * attemptsEach - max });
}

/** A max-0 probe counts nothing and reports how many admissions the window holds. */
const probe = { key: 'race', windowMs, max: 0 };

describe('processes sharing one SQLite file', () => {
  test(`${contenders} processes racing for a budget of ${max} get exactly ${max} admissions between them`, async () => {
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'state', 'counters.sqlite');
      expectExactlyMaxAdmitted(await race(file, ''));
      const store = new SqliteStore(file);
      expect(store.acquire([probe], t0 + attemptsEach)).toMatchObject({ admitted: false, used: [max] });
      await store.close();
    } finally {
      dir.remove();
    }
  });

  test('counts survive a restart', async () => {
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'counters.sqlite');
      const budget = { key: 'restart', windowMs, max: 10 };
      const first = new SqliteStore(file);
      for (let i = 0; i < 10; i += 1) expect(first.acquire([budget], t0 + i)).toMatchObject({ admitted: true });
      await first.close();

      const second = new SqliteStore(file);
      expect(second.acquire([budget], t0 + 10)).toEqual({ admitted: false, blockedIndex: 0, retryAfterMs: windowMs - 10, used: [10] });
      await second.close();
    } finally {
      dir.remove();
    }
  });
});

describe('processes sharing one Redis', () => {
  test(`${contenders} processes racing for a budget of ${max} get exactly ${max} admissions between them`, async () => {
    const url = testRedisUrl();
    const keyPrefix = `policy-wrap-test:${randomUUID()}:`;
    expectExactlyMaxAdmitted(await race(url, keyPrefix));
    const store = new RedisStore({ url, keyPrefix, time: 'caller' });
    try {
      expect(await store.acquire([probe], t0 + attemptsEach)).toMatchObject({ admitted: false, used: [max] });
    } finally {
      await store.close();
    }
  });
});
