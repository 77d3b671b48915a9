import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_TOOL_NAME_LENGTH } from '../../src/shared/tool-names.js';
import type { Message } from '../support/lines.js';
import { allowAll, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';

/** Every character some reader ends a line at: Python's splitlines, Java's readLine, JavaScript, `\r\n`. */
const ANY_LINE_BOUNDARY = /\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;
const FORGED = '\npolicy-wrap: policy reloaded from x';

const tmp = tempDir();
const policy = writePolicy(tmp.dir, allowAll);
let audits = 0;

const call = (id: unknown, name: string, args: Message = {}): Message => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

function wrap(args: string[] = []): RunningWrapper {
  return startWrapper(['--policy', policy, ...args], [process.execPath, fixtureServer]);
}

async function finish(wrapper: RunningWrapper): Promise<string[]> {
  wrapper.child.stdin.end();
  await wrapper.exited;
  return wrapper.stderr().split(ANY_LINE_BOUNDARY).filter((line) => line !== '');
}

function textOf(answer: Message): string {
  return (answer.result.content as { text: string }[]).map((part) => part.text).join('');
}

/** Resident memory of a process, in bytes (Linux). */
function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((text) => text.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1]) * 1024;
}

beforeAll(() => requireBuild());
afterAll(() => tmp.remove());

describe('what the wrapper writes on stderr', () => {
  test('a method with a newline and a forged "policy reloaded" line makes exactly one stderr line, the method escaped', async () => {
    const wrapper = wrap();
    const method = JSON.stringify(`x${FORGED}`);
    wrapper.send(`{"jsonrpc":"2.0","id":1,"method":${method},"params":{"a":1,"a":2}}\n`);
    expect(await wrapper.stdout.response(1)).toMatchObject({ error: { code: -32600 } });
    const lines = await finish(wrapper);
    expect(lines.filter((line) => line.includes('reloaded'))).toEqual([
      'policy-wrap: refused "x\\npolicy-wrap: policy reloaded from x" from the client: the member name "a" appears twice in one object (readers keep different ones)',
    ]);
    expect(lines.filter((line) => line.startsWith('policy-wrap: policy reloaded'))).toEqual([]);
  });

  test('text the server prints with newline-like characters is shown escaped, on one line', async () => {
    const wrapper = wrap();
    wrapper.send(call('p', 'print', { text: `progress\u2028policy-wrap: policy reloaded from x\u0085done\u2029` }));
    expect(textOf(await wrapper.stdout.response('p'))).toBe('printed');
    const lines = await finish(wrapper);
    expect(lines.filter((line) => line.includes('reloaded'))).toEqual([
      'policy-wrap: server stdout (not JSON-RPC, not forwarded): "progress\\u2028policy-wrap: policy reloaded from x\\u0085done\\u2029"',
    ]);
  });
});

describe('audit lines', () => {
  test('a call whose argument or tool name holds U+2028 is one line for a reader that splits on U+2028', async () => {
    audits += 1;
    const audit = join(tmp.dir, `audit-${audits}.jsonl`);
    const wrapper = wrap(['--audit', audit, '--audit-arguments']);
    wrapper.send(call(1, 'echo', { text: 'one\u2028two\u0085three\u2029' }));
    wrapper.send(call(2, 'odd\u2028name', { n: 1 }));
    expect(textOf(await wrapper.stdout.response(1))).toBe('one\u2028two\u0085three\u2029');
    expect(textOf(await wrapper.stdout.response(2))).toBe('odd\u2028name {"n":1}');
    await finish(wrapper);
    const written = readFileSync(audit, 'utf8');
    expect(written).not.toMatch(/[\u0085\u2028\u2029]/);
    const lines = written.split(ANY_LINE_BOUNDARY).filter((line) => line !== '');
    expect(lines).toHaveLength(2);
    const records = lines.map((line) => JSON.parse(line) as Message);
    expect(records.map((record) => [record.tool, record.arguments])).toEqual([
      ['echo', { text: 'one\u2028two\u0085three\u2029' }],
      ['odd\u2028name', { n: 1 }],
    ]);
  });
});

describe(`tool names over ${MAX_TOOL_NAME_LENGTH} characters`, () => {
  test('a name at the cap reaches the server; one character more is refused and says why', async () => {
    const wrapper = wrap();
    const atCap = 'c'.repeat(MAX_TOOL_NAME_LENGTH);
    wrapper.send(call(1, atCap));
    wrapper.send(call(2, `${atCap}c`));
    expect(textOf(await wrapper.stdout.response(1))).toBe(`${atCap} {}`);
    const refused = await wrapper.stdout.response(2);
    expect(refused.result).toMatchObject({ isError: true, _meta: { 'policy-wrap/decision': { decision: 'deny', cause: 'tool-name' } } });
    expect(textOf(refused)).toBe(
      `Denied by policy: the tool name has ${MAX_TOOL_NAME_LENGTH + 1} characters, more than the ${MAX_TOOL_NAME_LENGTH} policy-wrap accepts; call a tool by a name tools/list gives`,
    );
    await finish(wrapper);
  });

  test('300 calls with distinct 1 MiB names are each refused and do not grow the wrapper\'s memory much', async () => {
    audits += 1;
    if (!existsSync('/proc/self/status')) throw new Error('this test reads the wrapper\'s memory from /proc: it needs Linux');
    const audit = join(tmp.dir, `audit-${audits}.jsonl`);
    const wrapper = wrap(['--audit', audit]);
    wrapper.send({ jsonrpc: '2.0', id: 'ready', method: 'ping' });
    await wrapper.stdout.response('ready');
    const before = residentBytes(wrapper.child.pid!);
    const filler = 'n'.repeat(1024 * 1024);
    for (let i = 0; i < 300; i += 1) {
      wrapper.send(`${JSON.stringify(call(i, `${String(i).padStart(3, '0')}${filler}`))}\n`);
      const answer = await wrapper.stdout.response(i);
      expect(answer.result?._meta?.['policy-wrap/decision']?.cause).toBe('tool-name');
    }
    const grown = residentBytes(wrapper.child.pid!) - before;
    await finish(wrapper);
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    expect(statSync(audit).size).toBeLessThan(300 * 1_000);
  }, 120_000);
});
