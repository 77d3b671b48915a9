import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteApprovalStore } from '../../../src/approvals/sqlite-approvals.js';
import { betterSqliteDriver } from '../../../src/limits/sqlite-better.js';
import { SqliteStore } from '../../../src/limits/sqlite-store.js';
import { approvalStoreContract, request, t0 } from './contract.js';
import { raceForVerdicts } from './race.js';
import { scratchDir } from './scratch.js';

const driver = betterSqliteDriver();

describe('the SQLite approval store (better-sqlite3)', () => {
  approvalStoreContract({
    name: 'sqlite',
    async open() {
      const dir = scratchDir();
      const file = join(dir.path, 'counters.sqlite');
      const store = new SqliteApprovalStore(file, { driver });
      return {
        store,
        another: async () => new SqliteApprovalStore(file, { driver }),
        async dispose() {
          await store.close();
          dir.remove();
        },
      };
    },
  });
});

describe('approvals in the counters’ SQLite file', () => {
  test('share the file with the counters, in their own table, and the file is private (0600)', async () => {
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'counters.sqlite');
      const approvals = new SqliteApprovalStore(file, { driver });
      const asked = await approvals.ask(request(), 120_000, t0);
      const counters = new SqliteStore(file, { driver });
      expect(counters.acquire([{ key: 'k', windowMs: 60_000, max: 1 }], t0)).toMatchObject({ admitted: true });
      await counters.close();
      expect(await approvals.get(asked.code, t0)).toEqual(asked);
      await approvals.close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const db = new Database(file, { readonly: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
        expect(tables).toEqual(['approvals', 'hits', 'keys']);
        expect(db.prepare('SELECT code, tool, grant_name, digest, decided FROM approvals').all()).toEqual([
          { code: asked.code, tool: 'delete_playlist', grant_name: 'default', digest: 'sha256:aaaa', decided: 0 },
        ]);
      } finally {
        db.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('a file the counter store made first is used as it is', async () => {
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'counters.sqlite');
      const counters = new SqliteStore(file, { driver });
      await counters.close();
      const approvals = new SqliteApprovalStore(file, { driver });
      const asked = await approvals.ask(request(), 120_000, t0);
      expect(await approvals.list(t0)).toEqual([asked]);
      await approvals.close();
    } finally {
      dir.remove();
    }
  });

  test('expired rows are deleted by the next change, not only hidden', async () => {
    const dir = scratchDir();
    try {
      const file = join(dir.path, 'counters.sqlite');
      const approvals = new SqliteApprovalStore(file, { driver });
      await approvals.ask(request({ argumentsDigest: 'sha256:old' }), 1_000, t0);
      await approvals.ask(request({ argumentsDigest: 'sha256:new' }), 120_000, t0 + 5_000);
      await approvals.close();
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT digest FROM approvals').pluck().all()).toEqual(['sha256:new']);
      } finally {
        db.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('processes racing on one file: every one-call approval and denial is used by exactly one of them', async () => {
    const dir = scratchDir();
    try {
      await raceForVerdicts(join(dir.path, 'state', 'counters.sqlite'), '');
      expect(statSync(join(dir.path, 'state')).mode & 0o777).toBe(0o700);
    } finally {
      dir.remove();
    }
  });
});
