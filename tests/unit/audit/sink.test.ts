import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openAuditSink } from '../../../src/audit/sink.js';

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
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    sink.write({ n: 4 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
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
      expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":3}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
