import { parseLoggedCall, type LoggedCall } from '../../../src/audit/logged-call.js';

let line = 0;
const start = Date.parse('2026-12-03T10:00:00.000Z');

/** A call record as the wrapper writes it, `atMs` after 10:00, parsed as the readers do. */
export function logged(atMs: number, fields: Record<string, unknown>): LoggedCall {
  line += 1;
  const record = {
    time: new Date(start + atMs).toISOString(),
    session: 's1',
    grant: 'default',
    tool: 'echo',
    decision: 'allow',
    enforced: true,
    rule: '(default)',
    argumentKeys: [],
    argumentsDigest: 'sha256:x',
    ...fields,
  };
  const call = parseLoggedCall(Buffer.from(JSON.stringify(record)), line);
  if (call === undefined) throw new Error('not a call record');
  return call;
}

export const forwarded = (atMs: number, tool: string, fields: Record<string, unknown> = {}): LoggedCall =>
  logged(atMs, { tool, decision: 'allow', outcome: 'result', isError: false, latencyMs: 10, ...fields });

export const refused = (atMs: number, tool: string, decision: string, cause: string | undefined, fields: Record<string, unknown> = {}): LoggedCall =>
  logged(atMs, { tool, decision, ...(cause === undefined ? {} : { cause }), reason: `${tool} ${cause ?? decision}`, ...fields });
