import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CHAIN_START, ChainChecker, linkAfter } from '../../../src/audit/chain.js';
import { openAuditSink } from '../../../src/audit/sink.js';

const quiet = (): Writable => new Writable({ write: (_c, _e, callback) => callback() });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The first broken line of `file`, or the count of its records. */
function verify(file: string): number | { line: number; message: string } {
  const text = readFileSync(file);
  const checker = new ChainChecker();
  let from = 0;
  for (let at = text.indexOf(10); at !== -1; at = text.indexOf(10, from)) {
    const broken = checker.check(text.subarray(from, at), true);
    if (broken) return broken;
    from = at + 1;
  }
  if (from < text.length) return checker.check(text.subarray(from), false) ?? checker.count;
  return checker.count;
}

const parsed = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the chain in an audit file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-chain-'));
    file = join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a new file starts the chain; a sink opened again on it continues it', async () => {
    for (let run = 0; run < 3; run += 1) {
      const sink = openAuditSink(file, quiet());
      sink.write({ run, n: 1 });
      sink.write({ run, n: 2 });
      await turn();
      sink.write({ run, n: 3 });
      await sink.close();
    }
    expect(verify(file)).toBe(9);
    expect(parsed(file)[0]?.prev).toBe(CHAIN_START);
  });

  test('two sinks in one process taking turns on one file keep one chain', async () => {
    const a = openAuditSink(file, quiet());
    const b = openAuditSink(file, quiet());
    for (let n = 0; n < 20; n += 1) {
      (n % 3 === 0 ? b : a).write({ n });
      if (n % 2 === 0) await turn();
    }
    await a.close();
    await b.close();
    expect(verify(file)).toBe(20);
  });

  test('a file someone else appended to between our writes: the next record links to their line', async () => {
    const sink = openAuditSink(file, quiet());
    sink.write({ n: 1 });
    await turn();
    const foreign = `{"n":"foreign","prev":"${linkAfter(readFileSync(file))}"}\n`;
    appendFileSync(file, foreign);
    sink.write({ n: 2 });
    await sink.close();
    expect(verify(file)).toBe(3);
    expect(parsed(file)[2]?.prev).toBe(linkAfter(Buffer.from(foreign)));
  });

  test('a file that ends in a cut line gets a \\n first; the chain goes on from that line as it is', async () => {
    writeFileSync(file, '{"cut');
    const sink = openAuditSink(file, quiet());
    sink.write({ n: 1 });
    await sink.close();
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('{"cut\n{"n":1,')).toBe(true);
    expect(JSON.parse(text.split('\n')[1] as string).prev).toBe(linkAfter(Buffer.from('{"cut\n')));
    expect(verify(file)).toEqual({ line: 1, message: expect.stringMatching(/not an audit record/) });
  });

  test('a record with a prev of its own gets the link instead', async () => {
    const sink = openAuditSink(file, quiet());
    sink.write({ n: 1, prev: 'forged' });
    await sink.close();
    expect(readFileSync(file, 'utf8')).toBe(`{"n":1,"prev":"${CHAIN_START}"}\n`);
  });

  test('the same size but other bytes at the end (the file was rewritten): the last line is read again', async () => {
    const sink = openAuditSink(file, quiet());
    sink.write({ n: 1 });
    await turn();
    const first = readFileSync(file, 'utf8');
    const rewritten = first.replace('"n":1', '"n":5');
    writeFileSync(file, rewritten);
    sink.write({ n: 2 });
    await sink.close();
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[1] as string).prev).toBe(linkAfter(Buffer.from(rewritten)));
  });

  test('the stream sink chains from the start of the stream', async () => {
    let written = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.toString();
        callback();
      },
    });
    const sink = openAuditSink('-', stream);
    sink.write({ n: 1 });
    sink.write({ n: 2 });
    await turn();
    sink.write({ n: 3 });
    await sink.close();
    writeFileSync(file, written);
    expect(verify(file)).toBe(3);
  });

  test('no lock file is left behind', async () => {
    const sink = openAuditSink(file, quiet());
    sink.write({ n: 1 });
    await sink.close();
    expect(() => readFileSync(`${file}.lock`)).toThrow();
  });
});
