import { existsSync, readFileSync } from 'node:fs';
import type { Message } from '../support/lines.js';
import type { RunningWrapper } from '../support/wrapper.js';

/** The JSON lines of a file the wrapper or the fixture server appends to; none if it was never written. */
export function jsonLines(file: string): Message[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Message);
}

/** The tools/call lines a fixture server received, from its RECORD_FILE. */
export function receivedCalls(record: string): Message[] {
  return jsonLines(record).filter((message) => message.method === 'tools/call');
}

/** Calls `echo` with `text` (default: the id) and waits for the answer. */
export function echo(wrapper: RunningWrapper, id: number | string, text = String(id)): Promise<Message> {
  wrapper.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
  return wrapper.stdout.response(id);
}

/** Closing stdin is how a client ends the session; the wrapper stops its server and exits 0. */
export async function stop(wrapper: RunningWrapper): Promise<void> {
  wrapper.child.stdin.end();
  expect(await wrapper.exited).toEqual({ code: 0, signal: null });
}
