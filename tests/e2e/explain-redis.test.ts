import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import type { Explanation } from '../../src/cli/explain.js';
import { testRedisUrl } from '../support/redis.js';
import { cli, fixtureServer, requireBuild, startWrapper, tempDir, writePolicy } from '../support/wrapper.js';
import { echo, stop } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

test('explain reads a budget the wrapper used up in Redis, under the same prefix, and counts nothing', async () => {
  const policy = writePolicy(tmp.dir, { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'hour', max: 1 }] } } });
  const state = ['--state', testRedisUrl(), '--state-prefix', `policy-wrap-test:${randomUUID()}:`];
  const wrapper = startWrapper(['--policy', policy, ...state, '--no-watch'], [process.execPath, fixtureServer]);
  try {
    expect((await echo(wrapper, 1)).result).toEqual({ content: [{ type: 'text', text: '1' }] });
  } finally {
    await stop(wrapper);
  }
  const explain = () => execa('node', [cli, 'explain', '--format', 'json', '--policy', policy, ...state, 'echo'], { reject: false });
  for (let i = 0; i < 2; i += 1) {
    const result = await explain();
    expect(result.exitCode).toBe(1);
    const explanation = JSON.parse(result.stdout) as Explanation;
    expect(explanation).toMatchObject({ decision: 'limited', rule: '/tools/echo/limits/0' });
    expect(explanation.budgets).toEqual([expect.objectContaining({ used: 1, max: 1, windowMs: 3_600_000 })]);
    expect(explanation.budgets[0]?.retryAfterMs).toBeGreaterThan(0);
  }
  // Another prefix is another set of counters.
  const other = await execa('node', [cli, 'explain', '--format', 'json', '--policy', policy, '--state', testRedisUrl(), '--state-prefix', `policy-wrap-test:${randomUUID()}:`, 'echo'], { reject: false });
  expect(other.exitCode).toBe(0);
  expect((JSON.parse(other.stdout) as Explanation).budgets[0]).toMatchObject({ used: 0 });
}, 30_000);

test('a Redis that cannot be reached is exit 2 with one line naming the code', async () => {
  const policy = writePolicy(tmp.dir, { version: '1', default: 'allow', limits: [{ window: 'minute', max: 5 }] }, 'unreachable.json');
  const result = await execa('node', [cli, 'explain', '--policy', policy, '--state', 'redis://127.0.0.1:1', 'anything'], { reject: false });
  expect(result.exitCode).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^policy-wrap explain: explain\.state-unreadable: cannot read the counters: cannot reach Redis at .*127\.0\.0\.1:1/);
});
