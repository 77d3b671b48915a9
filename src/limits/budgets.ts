import type { Budget } from './types.js';

/**
 * The distinct keys of one acquire, each with the longest window it is checked against in it.
 * A call is logged once per key even when several budgets share the key, and a key's log is
 * pruned by its longest window so no budget loses entries it still counts.
 */
export function longestWindowByKey(budgets: readonly Budget[]): Map<string, number> {
  const windows = new Map<string, number>();
  for (const budget of budgets) {
    const known = windows.get(budget.key);
    if (known === undefined || budget.windowMs > known) windows.set(budget.key, budget.windowMs);
  }
  return windows;
}

/**
 * A log entry counts in a window while `at > nowMs - windowMs`: an admission at t leaves a
 * 60 s window at exactly t + 60 s.
 */
export function windowStart(nowMs: number, windowMs: number): number {
  return nowMs - windowMs;
}

/**
 * How long until a full budget has room again. `entryAtMs` is the admission that has to leave the
 * window first: the oldest one when the window holds exactly `max` entries, a later one when it
 * holds more (max lowered since they were counted). A budget with max 0 never has room; it
 * answers with a whole window.
 */
export function retryAfterMs(budget: Budget, nowMs: number, entryAtMs: number | undefined): number {
  if (budget.max <= 0 || entryAtMs === undefined) return budget.windowMs;
  return Math.max(1, entryAtMs + budget.windowMs - nowMs);
}
