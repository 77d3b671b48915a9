import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../../src/limits/open-store.js';
import type { LimitStore } from '../../../src/limits/types.js';
import { scratchDir } from './store-cases.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** One admission, so SQLite has written its -wal and -shm files. */
async function countOnce(store: LimitStore): Promise<void> {
  const acquisition = await store.acquire([{ key: 'k', windowMs: 60_000, max: 5 }], Date.now());
  expect(acquisition.admitted).toBe(true);
}

describe('files of the SQLite store', () => {
  const dir = scratchDir();
  afterAll(() => dir.remove());

  test('folders it makes are 0700; the file and its -wal and -shm files it makes are 0600', async () => {
    const file = join(dir.path, 'made', 'deeper', 'counters.sqlite');
    const store = await openStore(file, { env: {} });
    try {
      await countOnce(store);
      expect(modeOf(join(dir.path, 'made'))).toBe(0o700);
      expect(modeOf(join(dir.path, 'made', 'deeper'))).toBe(0o700);
      for (const name of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(name)).toBe(true);
        expect([name, modeOf(name)]).toEqual([name, 0o600]);
      }
    } finally {
      await store.close();
    }
  });

  test('an existing folder and file keep their modes: only what it creates is made private', async () => {
    const folder = join(dir.path, 'shared');
    mkdirSync(folder);
    chmodSync(folder, 0o755);
    const file = join(folder, 'counters.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    const store = await openStore(file, { env: {} });
    try {
      await countOnce(store);
      expect(modeOf(folder)).toBe(0o755);
      expect(modeOf(file)).toBe(0o640);
    } finally {
      await store.close();
    }
  });
});
