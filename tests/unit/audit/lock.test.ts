import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, STALE_MS } from '../../../src/audit/lock.js';

/** Above the largest pid Linux hands out: no process has it. */
const GONE_PID = 4_194_304_999;

describe('the audit lock', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-lock-'));
    path = join(dir, 'audit.jsonl.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('held: the file names this process; released: gone', () => {
    const lock = acquireLock(path);
    expect(readFileSync(path, 'utf8')).toMatch(new RegExp(`^${process.pid} ${hostname()} [0-9a-f]+\\.\\d+\\n$`));
    expect(lock.release()).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  test('a lock held by a live process is waited for, then given up on with a message', () => {
    const held = acquireLock(path);
    expect(() => acquireLock(path, { waitMs: 30 })).toThrow(/is held by process \d+ on .* for more than 30 ms/);
    held.release();
    acquireLock(path, { waitMs: 30 }).release();
  });

  test('a lock whose process is gone is broken at once', () => {
    writeFileSync(path, `${GONE_PID} ${hostname()} old.1\n`);
    const lock = acquireLock(path, { waitMs: 0 });
    expect(readFileSync(path, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    expect(lock.release()).toBe(true);
    expect(existsSync(`${path}.break`)).toBe(false);
  });

  test('a lock from another host is not judged by its pid, only by its age', () => {
    writeFileSync(path, `${GONE_PID} another-host old.1\n`);
    expect(() => acquireLock(path, { waitMs: 20 })).toThrow(/held by process 4194304999 on another-host/);
    const old = (Date.now() - STALE_MS - 5_000) / 1000;
    utimesSync(path, old, old);
    acquireLock(path, { waitMs: 0 }).release();
  });

  test('a lock older than STALE_MS is broken even when its holder lives', () => {
    writeFileSync(path, `${process.pid} ${hostname()} other.1\n`);
    const old = (Date.now() - STALE_MS - 5_000) / 1000;
    utimesSync(path, old, old);
    acquireLock(path, { waitMs: 0 }).release();
  });

  test('a holder whose lock was broken meanwhile learns it, and does not remove the lock another process took since', () => {
    const lock = acquireLock(path);
    unlinkSync(path);
    writeFileSync(path, `${process.pid} ${hostname()} someone-else.1\n`);
    expect(lock.release()).toBe(false);
    expect(readFileSync(path, 'utf8')).toContain('someone-else');
  });

  test('a folder it cannot create the lock in is an error with its code (the sink then appends unlocked)', () => {
    expect(() => acquireLock(join(dir, 'missing', 'audit.lock'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
