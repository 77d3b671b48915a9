/**
 * One budget a call must fit in: at most `max` admitted calls in any rolling interval of
 * `windowMs` milliseconds, counted under `key`. The policy engine decides which budgets apply;
 * stores only count.
 */
export interface Budget {
  /** Fully resolved counter key: counter name, scope and `per` value already folded in. */
  key: string;
  windowMs: number;
  max: number;
}

/** Proof of one admission, needed to refund it. */
export interface Ticket {
  /** Unique per admission, so a refund removes exactly what this admission counted. */
  id: string;
  keys: readonly string[];
  atMs: number;
}

export type Acquisition =
  | { admitted: true; ticket: Ticket; /** calls counted in each budget's window, this one included */ used: number[] }
  | {
      admitted: false;
      /** index into the budgets given of the first one that is used up */
      blockedIndex: number;
      /** when a call would fit again in that budget, from nowMs */
      retryAfterMs: number;
      used: number[];
    };

export type MaybePromise<T> = T | Promise<T>;

/** What `peek` sees: per budget given, the calls counted in its window and, when it is full, how long until it has room. */
export interface Peek {
  used: number[];
  /** 0 for a budget with room */
  retryAfterMs: number[];
}

/**
 * Where counts live. `acquire` is one atomic check-and-count over all budgets: either every budget
 * has room and the call is counted in each, or nothing is counted. Synchronous stores may return
 * plain values; the relay keeps strict order for them.
 */
export interface LimitStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  acquire(budgets: readonly Budget[], nowMs: number): MaybePromise<Acquisition>;
  /** Refund an admission whose call never reached the server. */
  release(ticket: Ticket): MaybePromise<void>;
  /**
   * Reads what `acquire` would find, counting nothing and pruning nothing. Every store here has
   * it; optional so that stand-in stores (tests) need not.
   */
  peek?(budgets: readonly Budget[], nowMs: number): MaybePromise<Peek>;
  close(): Promise<void>;
}

/** Milliseconds since the epoch. Injected so tests cross windows without sleeping. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
