import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Limiter } from '../../../src/limits/limiter.js';
import { RedisStore } from '../../../src/limits/redis-store.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import type { LimitStore } from '../../../src/limits/types.js';
import { fixture, spawnWithLines } from './child-lines.js';
import { scratchDir } from './store-cases.js';

const t0 = 1_700_000_000_000;
const budget = { key: 'tool:search', windowMs: 60_000, max: 10 };
const unavailable = (failedOpen: boolean) => ({
  status: 'store-unavailable',
  failedOpen,
  error: expect.stringMatching(/^limit store unavailable: \S/),
});

function limiters(store: LimitStore) {
  const clock = () => t0;
  return {
    closed: new Limiter({ store, clock, failMode: 'closed' }),
    open: new Limiter({ store, clock, failMode: 'open' }),
  };
}

describe('a SQLite file that stops taking writes mid-run', () => {
  test('while another process holds its write lock, calls fail closed or open, and counting resumes after', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    const store = new SqliteStore(file, { busyTimeoutMs: 100 });
    const { closed, open } = limiters(store);
    try {
      const first = closed.admit([budget]);
      expect(first).toMatchObject({ status: 'admitted', used: [1] });

      const holder = spawnWithLines(process.execPath, [fixture('hold-lock.js'), file]);
      expect(await holder.nextLine()).toBe('locked');
      // While the lock is held the wait happens between event-loop turns: the relay keeps moving.
      const waiting = closed.admit([budget]);
      expect(waiting).toBeInstanceOf(Promise);
      let turned = false;
      setImmediate(() => (turned = true));
      const refused = await waiting;
      expect(turned).toBe(true);
      expect(refused).toEqual(unavailable(false));
      expect(refused).toMatchObject({ error: expect.stringContaining('database is locked') });
      expect(await open.admit([budget])).toEqual(unavailable(true));
      if (first instanceof Promise || first.status !== 'admitted') throw new Error('expected a synchronous admission');
      expect(await closed.refund(first.ticket)).toEqual({ ok: false, error: expect.stringContaining('database is locked') });

      holder.process.stdin.end();
      expect((await holder.exited).code).toBe(0);
      // The calls the store could not take were never counted; the refund that failed was not made.
      expect(closed.admit([budget])).toMatchObject({ status: 'admitted', used: [2] });
    } finally {
      await store.close();
      dir.remove();
    }
  });

  test('when the file can no longer grow, calls are refused and the process carries on', async () => {
    const dir = scratchDir();
    const file = join(dir.path, 'counters.sqlite');
    try {
      // The file size limit (in 512-byte blocks) applies as root too, unlike file permissions.
      const child = spawnWithLines('sh', ['-c', 'ulimit -f 2048 && exec "$0" "$1" "$2"', process.execPath, fixture('fill-disk.js'), file]);
      const report = JSON.parse(await child.nextLine()) as { admitted: number; failure: unknown };
      expect(await child.exited).toEqual({ code: 0, stderr: '' });
      expect(report.admitted).toBeGreaterThan(0);
      expect(report.failure).toEqual(unavailable(false));

      const reader = new Database(file, { readonly: true });
      // Every admission that was reported is in the file, and nothing else.
      expect(reader.prepare('SELECT COUNT(*) FROM hits').pluck().get()).toBe(report.admitted);
      reader.close();
    } finally {
      dir.remove();
    }
  });
});

describe('a Redis that goes away', () => {
  test('once stopped mid-run, calls fail closed or open without crashing or hanging', async () => {
    const env = { ...process.env };
    delete env.POLICY_WRAP_TEST_REDIS_URL;
    // with-redis.js starts a Redis of our own for this test and stops it when the fixture exits.
    const holder = spawnWithLines(process.execPath, ['tests/support/with-redis.js', process.execPath, fixture('print-redis-url.js')], env);
    const url = await holder.nextLine();
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const store = new RedisStore({ url, keyPrefix: `policy-wrap-test:${randomUUID()}:`, time: 'caller' });
    const { closed, open } = limiters(store);
    try {
      const first = await closed.admit([budget]);
      expect(first).toMatchObject({ status: 'admitted', used: [1] });

      holder.process.stdin.end();
      expect(await holder.exited).toEqual({ code: 0, stderr: '' });

      expect(await closed.admit([budget])).toEqual(unavailable(false));
      expect(await open.admit([budget])).toEqual(unavailable(true));
      if (first.status !== 'admitted') throw new Error('expected an admission');
      expect(await closed.refund(first.ticket)).toEqual({ ok: false, error: expect.stringMatching(/^limit store unavailable: /) });
    } finally {
      holder.process.kill();
      await store.close();
    }
  });

  test('when nothing listens at the URL, calls fail closed or open and say where', async () => {
    const port = await closedPort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}/2`, keyPrefix: 'policy-wrap-test:' });
    const { closed, open } = limiters(store);
    try {
      const refused = await closed.admit([budget]);
      expect(refused).toEqual(unavailable(false));
      expect(refused).toMatchObject({ error: expect.stringContaining(`cannot reach Redis at redis://127.0.0.1:${port}/2`) });
      expect(await open.admit([budget])).toEqual(unavailable(true));
      expect(await closed.admit([budget])).toEqual(unavailable(false));
    } finally {
      await store.close();
    }
  });

  test('counting resumes once Redis is back', async () => {
    const port = await closedPort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'policy-wrap-test:', time: 'caller' });
    const { closed } = limiters(store);
    let server: RedisServer | undefined;
    try {
      expect(await closed.admit([budget])).toEqual(unavailable(false));
      server = startRedisServer(port);
      expect(await untilAdmitted(closed, server)).toMatchObject({ status: 'admitted', used: [1] });
      await server.stop();
      expect(await closed.admit([budget])).toEqual(unavailable(false));
      server = startRedisServer(port);
      // Nothing is saved across a Redis restart here (--save ''), so counting starts again.
      expect(await untilAdmitted(closed, server)).toMatchObject({ status: 'admitted', used: [1] });
    } finally {
      await server?.stop();
      await store.close();
    }
  });

  test('a closed store refuses calls instead of reconnecting', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await closedPort()}`, keyPrefix: 'policy-wrap-test:' });
    await store.close();
    await expect(store.acquire([budget], t0)).rejects.toThrow(/closed/);
  });
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      probe.close(() => resolve(address.port));
    });
  });
}

interface RedisServer {
  /** set when redis-server could not be started or exited */
  failure(): string | undefined;
  stop(): Promise<void>;
}

function startRedisServer(port: number): RedisServer {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], {
    stdio: 'ignore',
  });
  let failure: string | undefined;
  server.on('error', (error) => (failure = `cannot start redis-server (install Debian's redis-server): ${error.message}`));
  const exited = new Promise<void>((resolve) =>
    server.on('exit', (code, signal) => {
      failure ??= `redis-server exited (${code ?? signal})`;
      resolve();
    }),
  );
  return {
    failure: () => failure,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits for the store's client to reconnect to a Redis that was just started (a bounded wait for a process, not for a window). */
async function untilAdmitted(limiter: Limiter, server: RedisServer): Promise<unknown> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const admission = await limiter.admit([budget]);
    if (admission.status !== 'store-unavailable') return admission;
    const failure = server.failure();
    if (failure) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the store did not reconnect to the restarted Redis');
}
