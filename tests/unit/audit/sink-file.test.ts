import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BATCH_MS, PATH_CHECK_MS, openAuditSink } from '../../../src/audit/sink.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function stderrLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { stream, lines };
}

/** The records of a file, without the `prev` link the sink adds (chain-file.test.ts checks those). */
const records = (file: string): unknown[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { prev, ...record } = JSON.parse(line) as Record<string, unknown>;
      expect(prev).toMatch(/^[0-9a-f]{64}$/);
      return record;
    });

describe('audit file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-audit-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a file it creates is 0600; an existing file keeps its mode', async () => {
    const fresh = join(dir, 'fresh.jsonl');
    const existing = join(dir, 'existing.jsonl');
    writeFileSync(existing, '');
    chmodSync(existing, 0o644);
    for (const file of [fresh, existing]) {
      const sink = openAuditSink(file, stderrLines().stream);
      sink.write({ n: 1 });
      await sink.close();
    }
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(existing).mode & 0o777).toBe(0o644);
    expect(records(fresh)).toEqual([{ n: 1 }]);
  });

  test.each([
    ['a folder that does not exist', (base: string) => join(base, 'missing', 'audit.jsonl'), /the folder .*missing does not exist/],
    ['a path through a file', (base: string) => (writeFileSync(join(base, 'plain'), ''), join(base, 'plain', 'audit.jsonl')), /is not a folder/],
    ['a folder in place of the file', (base: string) => (mkdirSync(join(base, 'taken')), join(base, 'taken')), /it is a folder/],
  ])('%s cannot be opened: audit.open-failed, exit 2, nothing created', (_name, target, message) => {
    const file = target(dir);
    let thrown: unknown;
    try {
      openAuditSink(file, stderrLines().stream);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'audit.open-failed', exitCode: 2 });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toMatch(/\n/);
    expect(() => statSync(join(dir, 'missing'))).toThrow();
  });

  test('a file replaced by a folder mid-run: failure() says why, records wait, and all arrive in order once a file can be made again', async () => {
    const file = join(dir, 'audit.jsonl');
    const stderr = stderrLines();
    const sink = openAuditSink(file, stderr.stream);
    sink.write({ n: 1 });
    await turn();
    expect(sink.failure?.()).toBeUndefined();

    unlinkSync(file);
    mkdirSync(file);
    await pathChecked();
    sink.write({ n: 2 });
    await turn();
    expect(sink.failure?.()).toMatch(/EISDIR/);
    sink.write({ n: 3 });
    await turn();
    expect(sink.failure?.()).toMatch(/EISDIR/);
    expect(stderr.lines.filter((line) => line.includes('cannot be written'))).toHaveLength(1);

    rmdirSync(file);
    expect(sink.failure?.()).toBeUndefined();
    expect(stderr.lines.at(-1)).toMatch(/can be written again$/);
    sink.write({ n: 4 });
    await sink.close();
    expect(records(file)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('records after a quiet spell leave at the end of their turn; those soon after a write wait and leave together', async () => {
    const file = join(dir, 'audit.jsonl');
    const sink = openAuditSink(file, stderrLines().stream, { batchMs: 200 });
    sink.write({ n: 1 });
    sink.write({ n: 2 });
    await turn();
    expect(records(file)).toEqual([{ n: 1 }, { n: 2 }]);
    sink.write({ n: 3 });
    await turn();
    sink.write({ n: 4 });
    await turn();
    expect(records(file)).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(records(file)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    // close() writes what waits at once.
    sink.write({ n: 5 });
    await sink.close();
    expect(records(file)).toHaveLength(5);
    expect(BATCH_MS).toBeLessThanOrEqual(10);
  });

  test('a file moved away (log rotation) or deleted: the next records go to a new file at the path', async () => {
    const file = join(dir, 'audit.jsonl');
    const sink = openAuditSink(file, stderrLines().stream);
    sink.write({ n: 1 });
    await turn();
    renameSync(file, `${file}.1`);
    await pathChecked();
    sink.write({ n: 2 });
    await turn();
    unlinkSync(file);
    await pathChecked();
    sink.write({ n: 3 });
    await sink.close();
    expect(records(`${file}.1`)).toEqual([{ n: 1 }]);
    expect(records(file)).toEqual([{ n: 3 }]);
  });
});

/** Longer than the sink waits between looks at its path. */
function pathChecked(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, PATH_CHECK_MS + 20));
}
