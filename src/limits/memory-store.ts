import { longestWindowByKey, retryAfterMs, windowStart } from './budgets.js';
import type { Acquisition, Budget, LimitStore, Peek, Ticket } from './types.js';

/**
 * Admission times of one key, oldest first, with the ticket that made each. Entries leave from the
 * front by moving `head`, not by shifting the arrays: a budget of a million calls an hour keeps a
 * million entries, and dropping the oldest must not cost a million moves.
 */
class KeyLog {
  private at: number[] = [];
  private tickets: number[] = [];
  private head = 0;

  /** longest window the key was last acquired with; the sweep prunes by it */
  constructor(public windowMs: number) {}

  get size(): number {
    return this.at.length - this.head;
  }

  /** Position of the first entry later than `t` (entries are sorted). */
  firstAfter(t: number): number {
    const at = this.at;
    let low = this.head;
    let high = at.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (at[mid]! > t) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Entries from `position` to the end. */
  countFrom(position: number): number {
    return this.at.length - position;
  }

  timeAt(position: number): number | undefined {
    return this.at[position];
  }

  dropUpTo(t: number): void {
    this.head = this.firstAfter(t);
    // Compacted once the dropped front outweighs what is kept, so memory follows the window.
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.tickets = this.tickets.slice(this.head);
      this.head = 0;
    }
  }

  /** Keeps the log sorted even if the clock stepped back. */
  insert(atMs: number, ticket: number): void {
    const last = this.at[this.at.length - 1];
    if (this.size === 0 || last === undefined || atMs >= last) {
      this.at.push(atMs);
      this.tickets.push(ticket);
      return;
    }
    const index = this.firstAfter(atMs);
    this.at.splice(index, 0, atMs);
    this.tickets.splice(index, 0, ticket);
  }

  /** Removes the entry `ticket` made; false when it is not (or no longer) here. */
  remove(ticket: number): boolean {
    const index = this.tickets.indexOf(ticket, this.head);
    if (index < 0) return false;
    this.at.splice(index, 1);
    this.tickets.splice(index, 1);
    return true;
  }
}

/** How often, in clock time, keys nobody asks for any more are swept away. */
const sweepEveryMs = 60_000;

/** Counts in this process only, gone when it exits. Synchronous. */
export class MemoryStore implements LimitStore {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, KeyLog>();
  private nextSweepMs = Number.NEGATIVE_INFINITY;
  /** tickets only need to be unique within this process */
  private lastTicket = 0;

  acquire(budgets: readonly Budget[], nowMs: number): Acquisition {
    const windows = longestWindowByKey(budgets);
    for (const [key, windowMs] of windows) {
      const log = this.logs.get(key);
      if (log) {
        log.windowMs = windowMs;
        log.dropUpTo(windowStart(nowMs, windowMs));
      }
    }
    const firstInWindow = (budget: Budget, log: KeyLog): number => log.firstAfter(windowStart(nowMs, budget.windowMs));
    const used = budgets.map((budget) => {
      const log = this.logs.get(budget.key);
      return log ? log.countFrom(firstInWindow(budget, log)) : 0;
    });
    const blockedIndex = budgets.findIndex((budget, i) => used[i]! >= budget.max);
    const blocked = budgets[blockedIndex];
    if (blocked) {
      // The entry that must leave the window before there is room again.
      const log = this.logs.get(blocked.key);
      const entry = log?.timeAt(firstInWindow(blocked, log) + used[blockedIndex]! - blocked.max);
      return { admitted: false, blockedIndex, retryAfterMs: retryAfterMs(blocked, nowMs, entry), used };
    }

    this.lastTicket += 1;
    const ticket = this.lastTicket;
    for (const [key, windowMs] of windows) {
      let log = this.logs.get(key);
      if (!log) {
        log = new KeyLog(windowMs);
        this.logs.set(key, log);
      }
      log.insert(nowMs, ticket);
    }
    this.sweep(nowMs);
    return { admitted: true, ticket: { id: String(ticket), keys: [...windows.keys()], atMs: nowMs }, used: used.map((n) => n + 1) };
  }

  peek(budgets: readonly Budget[], nowMs: number): Peek {
    const used: number[] = [];
    const retry: number[] = [];
    for (const budget of budgets) {
      const log = this.logs.get(budget.key);
      const first = log?.firstAfter(windowStart(nowMs, budget.windowMs)) ?? 0;
      const n = log ? log.countFrom(first) : 0;
      used.push(n);
      retry.push(n < budget.max ? 0 : retryAfterMs(budget, nowMs, log?.timeAt(first + n - budget.max)));
    }
    return { used, retryAfterMs: retry };
  }

  release(ticket: Ticket): void {
    const id = Number(ticket.id);
    for (const key of ticket.keys) {
      const log = this.logs.get(key);
      if (log?.remove(id) && log.size === 0) this.logs.delete(key);
    }
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + sweepEveryMs;
    for (const [key, log] of this.logs) {
      log.dropUpTo(windowStart(nowMs, log.windowMs));
      if (log.size === 0) this.logs.delete(key);
    }
  }
}
