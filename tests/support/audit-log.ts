import { existsSync, readFileSync } from 'node:fs';

export type AuditRecord = Record<string, any>;

/** The records of an audit log (none while it does not exist). */
export function auditRecords(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

/**
 * The audit log's records once `ready` says they are all there. A record is written after the
 * answer it goes with, and under load up to 5 ms after the write before it (records share one
 * write), so a test holding the answer can read the log a moment early. After 5 s, the records as
 * they are, for the assertion to show what is missing.
 */
export async function auditRecordsWhen(file: string, ready: (records: AuditRecord[]) => boolean): Promise<AuditRecord[]> {
  for (let waited = 0; waited < 5_000 && !ready(auditRecords(file)); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return auditRecords(file);
}
