import { join } from 'node:path';
import { requireBuild, tempDir, writePolicy } from '../support/wrapper.js';
import { everythingSession, policyWrap, records } from './audit-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const permissive = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max: 100 }] } } };
const stricter = {
  version: '1',
  default: 'allow',
  tools: {
    'get-sum': { limits: [{ window: 'minute', max: 2 }] },
    'get-tiny-image': { action: 'deny' },
    echo: { arguments: { type: 'object', properties: { message: { type: 'string', maxLength: 5 } } } },
  },
};

/** A session with server-everything under the permissive policy. */
async function session(audit: string): Promise<void> {
  const { client, close } = await everythingSession(tmp.dir, permissive, audit, 'permissive.json');
  await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
  for (const [a, b] of [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ]) {
    await client.callTool({ name: 'get-sum', arguments: { a, b } });
  }
  await client.callTool({ name: 'get-tiny-image', arguments: {} });
  await client.callTool({ name: 'echo', arguments: { message: 'a longer message' } });
  await close();
}

describe('audit replay of a real session', () => {
  const audit = join(tmp.dir, 'session.jsonl');
  beforeAll(() => session(audit), 60_000);

  test('under a stricter policy it names exactly the calls now refused; argument checks are unknown without values', async () => {
    const strict = writePolicy(tmp.dir, stricter, 'stricter.json');
    expect(records(audit).map((record) => [record.tool, record.decision])).toEqual([
      ['echo', 'allow'],
      ['get-sum', 'allow'],
      ['get-sum', 'allow'],
      ['get-sum', 'allow'],
      ['get-sum', 'allow'],
      ['get-tiny-image', 'allow'],
      ['echo', 'allow'],
    ]);
    const result = await policyWrap(['audit', 'replay', '--policy', strict, '--format', 'json', audit], tmp.dir);
    expect(result.exitCode).toBe(0);
    const replay = JSON.parse(result.stdout);
    expect(replay.newlyRefused.map((call: { line: number; tool: string; now: { cause: string } }) => [call.line, call.tool, call.now.cause])).toEqual([
      [4, 'get-sum', 'limit'],
      [5, 'get-sum', 'limit'],
      [6, 'get-tiny-image', 'rule'],
    ]);
    expect(replay.unknown.map((call: { line: number }) => call.line)).toEqual([1, 7]);
    expect(replay).toMatchObject({ calls: 7, unchanged: 2, refused: 3, newlyAllowed: [] });
    expect(replay.byTool['get-sum'].newlyRefused).toEqual({ limit: 2 });

    const text = await policyWrap(['audit', 'replay', '--policy', 'stricter.json', 'session.jsonl'], tmp.dir);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^session\.jsonl under stricter\.json: 7 calls, 2 unchanged, 3 newly refused, 0 newly allowed, 2 unknown$/m);
    expect(text.stdout).toMatch(/^ {2}line 4 {2}\S+ {2}get-sum: was allowed; now refused \(limit\): at most 2 calls per minute for get-sum$/m);
    expect(text.stdout).toMatch(/^ {2}line 6 {2}\S+ {2}get-tiny-image: was allowed; now refused \(rule\)/m);
    expect(text.stdout).toMatch(/--audit-arguments/);
  });

  test('with --audit-arguments the argument checks are decided too', async () => {
    const withValues = join(tmp.dir, 'with-values.jsonl');
    const { client, close } = await everythingSession(tmp.dir, permissive, withValues, 'permissive-values.json', ['--audit-arguments']);
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    await client.callTool({ name: 'echo', arguments: { message: 'a longer message' } });
    await close();
    const strict = writePolicy(tmp.dir, stricter, 'stricter-2.json');
    const replay = JSON.parse((await policyWrap(['audit', 'replay', '--policy', strict, '--format', 'json', withValues], tmp.dir)).stdout);
    expect(replay.unknown).toEqual([]);
    expect(replay.newlyRefused.map((call: { line: number; now: { cause: string } }) => [call.line, call.now.cause])).toEqual([[2, 'arguments']]);
  });
});
