import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../support/lines.js';
import { root, startWrapper, writePolicy, type RunningWrapper } from '../support/wrapper.js';

/** The recording servers of tests/fixtures/servers/readers, one per way real servers read stdin. */
export const READERS = ['newline', 'universal-newlines', 'readline', 'splitlines', 'case-folding'] as const;
export type Reader = (typeof READERS)[number];

export const TOOLS = ['allowed_tool', 'denied_tool', 'hidden_tool', 'limited_tool', 'files', 'numbers'];
export const LIMITED_MAX = 2;

/** deny by default; one tool denied and shown, one hidden, one limited, two with argument checks */
export const readersPolicy = {
  version: '1',
  default: 'deny',
  tools: {
    allowed_tool: {},
    denied_tool: { action: 'deny', hide: false, reason: 'never' },
    hidden_tool: { action: 'deny' },
    limited_tool: { limits: [{ window: 'minute', max: LIMITED_MAX, scope: 'session' }] },
    files: { arguments: { type: 'object', properties: { path: { type: 'string', pattern: '^/srv/public/' } } } },
    numbers: { arguments: { type: 'object', properties: { n: { type: 'number', maximum: 9007199254740992 } } } },
  },
  resources: { rules: { 'file:///srv/public/*': {} } },
  prompts: { rules: { allowed_prompt: {} } },
};

/** What a recording server acted on, as it understood it. */
export interface Executed {
  method: string;
  id?: unknown;
  name?: unknown;
  uri?: unknown;
  arguments?: unknown;
}

/** The policy-wrap CLI in front of one recording server, on raw pipes, with an audit log. */
export class ReaderSession {
  readonly wrapper: RunningWrapper;
  readonly record: string;
  readonly audit: string;
  private pings = 0;

  constructor(readonly reader: Reader, dir: string) {
    this.record = join(dir, `${reader}.record.jsonl`);
    this.audit = join(dir, `${reader}.audit.jsonl`);
    const policy = writePolicy(dir, readersPolicy, `${reader}.policy.json`);
    const server = join(root, `tests/fixtures/servers/readers/${reader}.mjs`);
    this.wrapper = startWrapper(['--policy', policy, '--state', 'memory', '--audit', this.audit], [process.execPath, server], {
      env: { RECORD_FILE: this.record, TOOLS: TOOLS.join(',') },
    });
  }

  async initialize(): Promise<void> {
    this.wrapper.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    await this.wrapper.stdout.response('init');
    this.wrapper.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Every line sent before has been judged and, if forwarded, acted on by the server. */
  async barrier(): Promise<void> {
    this.pings += 1;
    const id = `barrier-${this.pings}`;
    this.wrapper.send({ jsonrpc: '2.0', id, method: 'ping' });
    await this.wrapper.stdout.response(id);
  }

  executed(): Executed[] {
    if (!existsSync(this.record)) return [];
    return readFileSync(this.record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Executed);
  }

  /** The resource reads and prompt fetches the server acted on. */
  executedRequests(): Executed[] {
    return this.executed().filter((message) => message.method === 'resources/read' || message.method === 'prompts/get');
  }

  executedCalls(): Executed[] {
    return this.executed().filter((message) => message.method === 'tools/call');
  }

  audited(): Message[] {
    if (!existsSync(this.audit)) return [];
    return readFileSync(this.audit, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Message);
  }

  /** Answers the client received, by id (as JSON text, so 1 and "1" differ). */
  answerCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const message of this.wrapper.stdout.messages()) {
      if ('method' in message || !('id' in message)) continue;
      const key = JSON.stringify(message.id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    this.wrapper.child.stdin.end();
    await this.wrapper.exited;
  }
}

/**
 * What no reader may ever have executed: a denied or hidden tool, the limited tool beyond its
 * budget, a file outside /srv/public/, a number above the schema's maximum. Argument names are
 * looked up whatever their case, as the case-folding reader would.
 */
export function violations(calls: Executed[]): string[] {
  const found: string[] = [];
  let limited = 0;
  for (const call of calls) {
    const name = String(call.name);
    const args = (typeof call.arguments === 'object' && call.arguments !== null ? call.arguments : {}) as Record<string, unknown>;
    const arg = (key: string) => Object.entries(args).find(([k]) => k.toLowerCase() === key)?.[1];
    if (!TOOLS.includes(name) || name === 'denied_tool' || name === 'hidden_tool') found.push(`executed ${name}`);
    if (name === 'limited_tool' && ++limited > LIMITED_MAX) found.push('executed limited_tool over its budget');
    const path = arg('path');
    if (name === 'files' && path !== undefined && !(typeof path === 'string' && path.startsWith('/srv/public/'))) found.push(`read ${String(path)}`);
    const n = arg('n');
    if (name === 'numbers' && n !== undefined && !(typeof n === 'number' && n <= 9007199254740992)) found.push(`numbers with n = ${String(n)}`);
  }
  return found;
}
