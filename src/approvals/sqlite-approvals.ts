import { openStateFile, whenFree } from '../limits/sqlite-store.js';
import type { SqliteDatabase, SqliteDriver } from '../limits/sqlite-driver.js';
import { newApprovalCode, normalizeApprovalCode } from './codes.js';
import { answering, byAge, checkedRecord, decidedOf, isUsedUp, liveUntil, matchesCall, pendingOf, type ApprovalCall } from './records.js';
import { isDecided, type ApprovalRecord, type ApprovalRequest, type ApprovalStore, type ApprovalVerdict, type Lookup, type PendingApproval } from './types.js';

export interface SqliteApprovalStoreOptions {
  /** How long a call waits (without blocking the event loop) for another process's write lock; default 2000 ms. */
  busyTimeoutMs?: number;
  /** Which SQLite to use; default as the counter store chooses (see sqliteDriver). */
  driver?: SqliteDriver;
}

/*
 * One row per live approval, in the counters' file, beside their tables (and outside their
 * schema version: the counter store never reads this table). `record` is the whole
 * ApprovalRecord as JSON; the other columns are what rows are found by. live_until is expiresMs
 * while pending and usableUntilMs once decided; rows past it are deleted by the next write.
 */
const schema = `
  CREATE TABLE IF NOT EXISTS approvals (
    code TEXT PRIMARY KEY,
    tool TEXT NOT NULL,
    grant_name TEXT NOT NULL,
    digest TEXT NOT NULL,
    created INTEGER NOT NULL,
    live_until INTEGER NOT NULL,
    decided INTEGER NOT NULL,
    record TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS approvals_call ON approvals (tool, grant_name, digest);
  CREATE INDEX IF NOT EXISTS approvals_live_until ON approvals (live_until);
`;

/**
 * Approvals in the SQLite file the counters use, so `policy-wrap approve` in another terminal
 * answers the wrapper that asked. Each change is one `BEGIN IMMEDIATE` transaction: a lookup that
 * uses up a one-call approval or a denial deletes it in the same transaction that found it, so two
 * wrappers on one file never both use it, and a decide changes only a row still pending. Reads
 * (list, get) take no lock. The file is created 0600 like the counters' (the caller makes its
 * directory, see openApprovalStore).
 */
export class SqliteApprovalStore implements ApprovalStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDatabase;
  private readonly busyTimeoutMs: number;
  private readonly lookupNow: (call: ApprovalCall, nowMs: number) => Lookup;
  private readonly askNow: (request: ApprovalRequest, timeoutMs: number, nowMs: number) => PendingApproval;
  private readonly decideNow: (code: string, verdict: ApprovalVerdict, by: string, nowMs: number) => boolean;
  private readonly listNow: (nowMs: number) => ApprovalRecord[];
  private readonly getNow: (code: string, nowMs: number) => ApprovalRecord | undefined;

  constructor(path: string, options: SqliteApprovalStoreOptions = {}) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 2000;
    // Prepared exactly as the counter store prepares the file, then with our table.
    this.db = openStateFile(path, this.busyTimeoutMs, options.driver, schema);

    const sql = (text: string) => this.db.prepare(text);
    const prune = sql('DELETE FROM approvals WHERE live_until <= ?');
    const forCall = sql('SELECT json_group_array(json(record)) FROM approvals WHERE tool = ? AND grant_name = ? AND digest = ? AND live_until > ?');
    const remove = sql('DELETE FROM approvals WHERE code = ?');
    const exists = sql('SELECT 1 FROM approvals WHERE code = ?');
    const insert = sql('INSERT INTO approvals (code, tool, grant_name, digest, created, live_until, decided, record) VALUES (?, ?, ?, ?, ?, ?, 0, ?)');
    const pendingByCode = sql('SELECT record FROM approvals WHERE code = ? AND decided = 0 AND live_until > ?');
    const markDecided = sql('UPDATE approvals SET decided = 1, live_until = ?, record = ? WHERE code = ? AND decided = 0');
    const live = sql('SELECT json_group_array(json(record)) FROM approvals WHERE live_until > ?');
    const liveByCode = sql('SELECT record FROM approvals WHERE code = ? AND live_until > ?');

    const records = (text: string | undefined): ApprovalRecord[] => (JSON.parse(text ?? '[]') as unknown[]).map(checkedRecord);

    this.lookupNow = this.db.immediate((call: ApprovalCall, nowMs: number): Lookup => {
      prune.run(nowMs);
      const found = answering(records(forCall.text(call.tool, call.grant, call.argumentsDigest, nowMs)).filter((record) => matchesCall(record, call)));
      if (found === undefined) return { kind: 'none' };
      if (!isDecided(found)) return { kind: 'pending', approval: found };
      if (isUsedUp(found)) remove.run(found.code);
      return { kind: 'decided', approval: found };
    });
    this.askNow = this.db.immediate((request: ApprovalRequest, timeoutMs: number, nowMs: number): PendingApproval => {
      prune.run(nowMs);
      let code = newApprovalCode();
      while (exists.number(code) !== undefined) code = newApprovalCode();
      const pending = pendingOf(request, code, timeoutMs, nowMs);
      insert.run(code, pending.tool, pending.grant, pending.argumentsDigest, pending.createdMs, pending.expiresMs, JSON.stringify(pending));
      return pending;
    });
    this.decideNow = this.db.immediate((code: string, verdict: ApprovalVerdict, by: string, nowMs: number): boolean => {
      const normal = normalizeApprovalCode(code);
      if (normal === undefined) return false;
      const text = pendingByCode.text(normal, nowMs);
      if (text === undefined) return false;
      const record = checkedRecord(JSON.parse(text));
      if (isDecided(record)) return false;
      const decided = decidedOf(record, verdict, by, nowMs);
      return markDecided.run(liveUntil(decided), JSON.stringify(decided), normal) === 1;
    });
    this.listNow = (nowMs) => records(live.text(nowMs)).sort(byAge);
    this.getNow = (code, nowMs) => {
      const normal = normalizeApprovalCode(code);
      const text = normal === undefined ? undefined : liveByCode.text(normal, nowMs);
      return text === undefined ? undefined : checkedRecord(JSON.parse(text));
    };
  }

  lookup(call: ApprovalCall, nowMs: number): Lookup | Promise<Lookup> {
    return whenFree(this.busyTimeoutMs, () => this.lookupNow(call, nowMs));
  }

  ask(request: ApprovalRequest, timeoutMs: number, nowMs: number): PendingApproval | Promise<PendingApproval> {
    return whenFree(this.busyTimeoutMs, () => this.askNow(request, timeoutMs, nowMs));
  }

  list(nowMs: number): ApprovalRecord[] | Promise<ApprovalRecord[]> {
    return whenFree(this.busyTimeoutMs, () => this.listNow(nowMs));
  }

  get(code: string, nowMs: number): ApprovalRecord | undefined | Promise<ApprovalRecord | undefined> {
    return whenFree(this.busyTimeoutMs, () => this.getNow(code, nowMs));
  }

  decide(code: string, verdict: ApprovalVerdict, by: string, nowMs: number): boolean | Promise<boolean> {
    return whenFree(this.busyTimeoutMs, () => this.decideNow(code, verdict, by, nowMs));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

}
