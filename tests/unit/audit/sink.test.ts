import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CHAIN_START, linkAfter } from '../../../src/audit/chain.js';
import { openAuditSink } from '../../../src/audit/sink.js';

/** The lines a chained log holds for these record texts, from the start of the chain. */
function chained(...records: string[]): string[] {
  let prev = CHAIN_START;
  return records.map((record) => {
    const line = `${record.slice(0, -1)},"prev":"${prev}"}\n`;
    prev = linkAfter(Buffer.from(line));
    return line;
  });
}

describe('audit sink', () => {
  test('records written in one turn of the event loop leave in one write, in order', async () => {
    const writes: string[] = [];
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString());
        callback();
      },
    });
    const sink = openAuditSink('-', stderr);
    sink.write({ n: 1 });
    sink.write({ n: 2 });
    sink.write({ n: 3 });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = chained('{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}');
    expect(writes).toEqual([lines.slice(0, 3).join('')]);
    sink.write({ n: 4 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([lines.slice(0, 3).join(''), lines[3]]);
  });

  test('a record is serialized when written, and close() writes what is still waiting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-audit-'));
    try {
      const file = join(dir, 'audit.jsonl');
      const sink = openAuditSink(file, new Writable({ write: (_c, _e, callback) => callback() }));
      const record: Record<string, unknown> = { n: 1 };
      sink.write(record);
      record.n = 2;
      sink.write({ n: 3 });
      await sink.close();
      expect(readFileSync(file, 'utf8')).toBe(chained('{"n":1}', '{"n":3}').join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
