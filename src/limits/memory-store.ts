import { randomUUID } from 'node:crypto';
import { longestWindowByKey, retryAfterMs, windowStart } from './budgets.js';
import type { Acquisition, Budget, LimitStore, Ticket } from './types.js';

/** Admission times of one key, oldest first, with the ticket that made each. */
interface KeyLog {
  at: number[];
  tickets: string[];
  /** longest window the key was last acquired with; the sweep prunes by it */
  windowMs: number;
}

/** How often, in clock time, keys nobody asks for any more are swept away. */
const sweepEveryMs = 60_000;

/** Counts in this process only, gone when it exits. Synchronous. */
export class MemoryStore implements LimitStore {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, KeyLog>();
  private nextSweepMs = Number.NEGATIVE_INFINITY;

  acquire(budgets: readonly Budget[], nowMs: number): Acquisition {
    const windows = longestWindowByKey(budgets);
    for (const [key, windowMs] of windows) {
      const log = this.logs.get(key);
      if (log) {
        log.windowMs = windowMs;
        dropUpTo(log, windowStart(nowMs, windowMs));
      }
    }
    const firstInWindow = budgets.map((budget) => {
      const log = this.logs.get(budget.key);
      return log ? firstAfter(log.at, windowStart(nowMs, budget.windowMs)) : 0;
    });
    const used = budgets.map((budget, i) => (this.logs.get(budget.key)?.at.length ?? 0) - (firstInWindow[i] ?? 0));
    const blockedIndex = budgets.findIndex((budget, i) => (used[i] ?? 0) >= budget.max);
    const blocked = budgets[blockedIndex];
    if (blocked) {
      const over = (used[blockedIndex] ?? 0) - blocked.max;
      const entry = this.logs.get(blocked.key)?.at[(firstInWindow[blockedIndex] ?? 0) + over];
      return { admitted: false, blockedIndex, retryAfterMs: retryAfterMs(blocked, nowMs, entry), used };
    }

    const id = randomUUID();
    for (const [key, windowMs] of windows) {
      let log = this.logs.get(key);
      if (!log) {
        log = { at: [], tickets: [], windowMs };
        this.logs.set(key, log);
      }
      insert(log, nowMs, id);
    }
    this.sweep(nowMs);
    return { admitted: true, ticket: { id, keys: [...windows.keys()], atMs: nowMs }, used: used.map((n) => n + 1) };
  }

  release(ticket: Ticket): void {
    for (const key of ticket.keys) {
      const log = this.logs.get(key);
      const index = log ? log.tickets.indexOf(ticket.id) : -1;
      if (!log || index < 0) continue;
      log.at.splice(index, 1);
      log.tickets.splice(index, 1);
      if (log.at.length === 0) this.logs.delete(key);
    }
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + sweepEveryMs;
    for (const [key, log] of this.logs) {
      dropUpTo(log, windowStart(nowMs, log.windowMs));
      if (log.at.length === 0) this.logs.delete(key);
    }
  }
}

/** Index of the first entry later than `t` (entries are sorted). */
function firstAfter(at: readonly number[], t: number): number {
  let low = 0;
  let high = at.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((at[mid] ?? 0) > t) high = mid;
    else low = mid + 1;
  }
  return low;
}

function dropUpTo(log: KeyLog, t: number): void {
  const count = firstAfter(log.at, t);
  if (count === 0) return;
  log.at.splice(0, count);
  log.tickets.splice(0, count);
}

/** Keeps the log sorted even if the clock stepped back. */
function insert(log: KeyLog, atMs: number, ticket: string): void {
  const index = firstAfter(log.at, atMs);
  log.at.splice(index, 0, atMs);
  log.tickets.splice(index, 0, ticket);
}
