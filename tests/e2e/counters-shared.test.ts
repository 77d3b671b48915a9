import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { testRedisUrl } from '../support/redis.js';
import { fixtureServer, requireBuild, startWrapper, tempDir, writePolicy, type RunningWrapper } from '../support/wrapper.js';
import { receivedCalls } from './counters-support.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

const wrappers = 8;
const callsEach = 50;
const max = 100;
const policy = { version: '1', default: 'allow', tools: { echo: { limits: [{ window: 'minute', max, scope: 'global' }] } } };

interface Contender {
  wrapper: RunningWrapper;
  record: string;
}

interface Tally {
  admitted: number[];
  refused: number[];
  /** responses per id; every id must appear exactly once */
  answers: Map<unknown, number>;
  /** ids of the tools/call lines the server received */
  received: unknown[];
}

/**
 * Starts the wrappers, waits until each answers a ping (store opened, server running), then
 * writes each one's calls in a single chunk to all of them, one after the other without waiting.
 * Ids run from 0, so id 0 is in every batch.
 */
async function race(dir: string, state: string[]): Promise<Tally[]> {
  mkdirSync(dir);
  const policyFile = writePolicy(dir, policy);
  const contenders: Contender[] = Array.from({ length: wrappers }, (_, n) => {
    const record = join(dir, `received-${n}.jsonl`);
    const args = ['--policy', policyFile, ...state, '--grant', `client-${n}`, '--no-watch'];
    return { wrapper: startWrapper(args, [process.execPath, fixtureServer], { env: { RECORD_FILE: record } }), record };
  });
  try {
    for (const { wrapper } of contenders) wrapper.send({ jsonrpc: '2.0', id: 'ready', method: 'ping' });
    for (const { wrapper } of contenders) expect((await wrapper.stdout.response('ready')).result).toEqual({});

    const batch = Array.from({ length: callsEach }, (_, id) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `call ${id}` } } }),
    );
    for (const { wrapper } of contenders) wrapper.send(`${batch.join('\n')}\n`);
    for (const { wrapper } of contenders) {
      for (let id = 0; id < callsEach; id += 1) await wrapper.stdout.response(id);
    }
  } finally {
    // Whatever arrives up to the exit counts: a second answer would show up here.
    for (const { wrapper } of contenders) wrapper.child.stdin.end();
    for (const { wrapper } of contenders) expect(await wrapper.exited).toEqual({ code: 0, signal: null });
  }
  return contenders.map(tally);
}

function tally({ wrapper, record }: Contender): Tally {
  const result: Tally = { admitted: [], refused: [], answers: new Map(), received: [] };
  for (const message of wrapper.stdout.messages()) {
    if ('method' in message || message.id === 'ready') continue;
    result.answers.set(message.id, (result.answers.get(message.id) ?? 0) + 1);
    if (isAdmitted(message)) result.admitted.push(message.id as number);
    else if (isLimited(message)) result.refused.push(message.id as number);
    else throw new Error(`neither admitted nor rate-limited: ${JSON.stringify(message)}; wrapper stderr:\n${wrapper.stderr()}`);
  }
  // The server sees ids of the wrapper's: a call is known by its text, `call <client id>`.
  result.received = receivedCalls(record).map((message) => Number(String(message.params.arguments.text).slice('call '.length)));
  return result;
}

function isAdmitted(message: Message): boolean {
  return message.result?.isError === undefined && message.result?.content?.[0]?.text === `call ${String(message.id)}`;
}

function isLimited(message: Message): boolean {
  const text: unknown = message.result?.content?.[0]?.text;
  return message.result?.isError === true && typeof text === 'string' && text.startsWith('Rate limit: at most 100 calls per minute for echo, across all clients;');
}

function expectExactBudget(tallies: Tally[]): void {
  const everyId = Array.from({ length: callsEach }, (_, id) => [id, 1]);
  for (const { answers, admitted, received: ids } of tallies) {
    expect([...answers].sort(([a], [b]) => Number(a) - Number(b))).toEqual(everyId);
    // What a wrapper admitted is exactly what its server received, each call once.
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual([...admitted].sort((a, b) => a - b));
  }
  const sum = (pick: (tally: Tally) => unknown[]) => tallies.reduce((total, tally) => total + pick(tally).length, 0);
  expect({ admitted: sum((t) => t.admitted), refused: sum((t) => t.refused), received: sum((t) => t.received) }).toEqual({
    admitted: max,
    refused: wrappers * callsEach - max,
    received: max,
  });
}

describe(`${wrappers} wrappers racing ${callsEach} pipelined calls each for a global budget of ${max}`, () => {
  test('sharing one SQLite file: exactly the budget reaches the servers, every call answered once', async () => {
    const dir = join(tmp.dir, 'sqlite');
    expectExactBudget(await race(dir, ['--state', join(dir, 'counters.sqlite')]));
  }, 60_000);

  test('sharing one Redis: exactly the budget reaches the servers, every call answered once', async () => {
    const prefix = `policy-wrap-test:${randomUUID()}:`;
    expectExactBudget(await race(join(tmp.dir, 'redis'), ['--state', testRedisUrl(), '--state-prefix', prefix]));
  }, 60_000);
});
