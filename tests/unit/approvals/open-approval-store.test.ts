import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApprovalStore } from '../../../src/approvals/open-approval-store.js';
import { PolicyWrapError } from '../../../src/errors.js';
import { request, t0 } from './contract.js';
import { scratchDir } from './scratch.js';

describe('openApprovalStore', () => {
  test('memory, from the spec', async () => {
    const store = await openApprovalStore('memory');
    expect(store.kind).toBe('memory');
    await store.close();
  });

  test('POLICY_WRAP_STATE when no spec is given; relative paths against cwd; new directories 0700, the file 0600', async () => {
    const dir = scratchDir();
    try {
      const store = await openApprovalStore(undefined, { env: { POLICY_WRAP_STATE: 'made/here.sqlite' }, cwd: dir.path });
      expect(store.kind).toBe('sqlite');
      await store.ask(request(), 1_000, t0);
      await store.close();
      expect(statSync(join(dir.path, 'made')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir.path, 'made', 'here.sqlite')).mode & 0o777).toBe(0o600);
    } finally {
      dir.remove();
    }
  });

  test('a redis:// URL opens the Redis store, lazily', async () => {
    const store = await openApprovalStore('redis://127.0.0.1:1/0');
    expect(store.kind).toBe('redis');
    await store.close();
  });

  test('a file that cannot be opened is state.open-failed (exit 2)', async () => {
    const dir = scratchDir();
    try {
      const notADatabase = join(dir.path, 'junk.sqlite');
      writeFileSync(notADatabase, 'this is not a database, and it is long enough to be read as one by SQLite. '.repeat(20));
      const error = await openApprovalStore(notADatabase).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PolicyWrapError);
      expect(error).toMatchObject({ code: 'state.open-failed', exitCode: 2 });
    } finally {
      dir.remove();
    }
  });

  test('a spec that is no store is state.invalid-spec', async () => {
    await expect(openApprovalStore('http://example.com')).rejects.toMatchObject({ code: 'state.invalid-spec' });
  });
});
