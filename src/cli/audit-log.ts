import { parseLoggedCall, type LoggedCall } from '../audit/logged-call.js';
import { readLogLines } from '../audit/read-log.js';
import { PolicyWrapError } from '../errors.js';
import { errorMessage } from '../shared/values.js';
import type { Say } from './command.js';

/**
 * The call records of a log, streamed, from `sinceMs` on. Lines that are not call records (not
 * JSON, cut short) are skipped and counted; `done` says how many on stderr.
 */
export async function* loggedCalls(path: string, shown: string, say: Say, sinceMs = Number.NEGATIVE_INFINITY): AsyncGenerator<LoggedCall> {
  let skipped = 0;
  let firstSkipped: number | undefined;
  try {
    for await (const line of readLogLines(path)) {
      const call = parseLoggedCall(line.bytes, line.number);
      if (call === undefined) {
        skipped += 1;
        firstSkipped ??= line.number;
        continue;
      }
      if (call.timeMs >= sinceMs) yield call;
    }
  } catch (error) {
    throw unreadable(shown, error);
  }
  if (skipped > 0) {
    const what = skipped === 1 ? `line of ${shown} that is not a call record` : `lines of ${shown} that are not call records`;
    say.warn(`skipped ${skipped} ${what} (first: line ${firstSkipped})`);
  }
}

export function unreadable(shown: string, error: unknown): PolicyWrapError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : errorMessage(error);
  return new PolicyWrapError('audit.unreadable', `cannot read the audit log ${shown}: ${why}`, { cause: error });
}

/** `--since`: an ISO time, or how long ago (`90s`, `30m`, `1h`, `2d`). */
export function sinceMs(value: string | undefined, nowMs: number): number {
  if (value === undefined) return Number.NEGATIVE_INFINITY;
  const ago = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value);
  if (ago !== null) return nowMs - Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new PolicyWrapError('audit.bad-since', `--since ${JSON.stringify(value)} is neither an ISO time (2026-12-03T06:00:00Z) nor a duration (30m, 1h, 2d)`);
  return at;
}
