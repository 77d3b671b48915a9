import { errorMessage, isPromiseLike } from '../shared/values.js';
import { systemClock, type Acquisition, type Budget, type Clock, type LimitStore, type MaybePromise, type Ticket } from './types.js';

/** What to do with a call when the store cannot count it: refuse it (closed) or let it through uncounted (open). */
export type FailMode = 'closed' | 'open';

export type Admission =
  /** counted in every budget; `ticket` is undefined when no budget applied */
  | { status: 'admitted'; ticket: Ticket | undefined; used: number[] }
  | { status: 'limited'; blockedIndex: number; retryAfterMs: number; used: number[] }
  /** the store failed; with failedOpen the call goes through uncounted, otherwise it is refused */
  | { status: 'store-unavailable'; error: string; failedOpen: boolean };

export type Refund = { ok: true } | { ok: false; error: string };

export interface LimiterOptions {
  store: LimitStore;
  clock?: Clock;
  /** default: closed */
  failMode?: FailMode;
}

/**
 * Admits calls against their budgets. Never throws and never rejects: store failures become
 * `store-unavailable` admissions. A synchronous store gives synchronous answers, so the relay keeps
 * strict message order with it.
 */
export class Limiter {
  private readonly store: LimitStore;
  private readonly clock: Clock;
  private readonly failMode: FailMode;

  constructor(options: LimiterOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.failMode = options.failMode ?? 'closed';
  }

  admit(budgets: readonly Budget[]): MaybePromise<Admission> {
    if (budgets.length === 0) return { status: 'admitted', ticket: undefined, used: [] };
    let acquisition: MaybePromise<Acquisition>;
    try {
      acquisition = this.store.acquire(budgets, this.clock());
    } catch (error) {
      return this.unavailable(error);
    }
    if (isPromiseLike(acquisition)) {
      return Promise.resolve(acquisition).then(
        (settled) => toAdmission(settled),
        (error: unknown) => this.unavailable(error),
      );
    }
    return toAdmission(acquisition);
  }

  /** Give back an admission whose call never reached the server. */
  refund(ticket: Ticket | undefined): MaybePromise<Refund> {
    if (ticket === undefined) return { ok: true };
    let released: MaybePromise<void>;
    try {
      released = this.store.release(ticket);
    } catch (error) {
      return { ok: false, error: unavailableMessage(error) };
    }
    if (isPromiseLike(released)) {
      return Promise.resolve(released).then(
        (): Refund => ({ ok: true }),
        (error: unknown): Refund => ({ ok: false, error: unavailableMessage(error) }),
      );
    }
    return { ok: true };
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } catch {
      // Closing happens on the way out; a store that fails to close has nothing left to count.
    }
  }

  private unavailable(error: unknown): Admission {
    return { status: 'store-unavailable', error: unavailableMessage(error), failedOpen: this.failMode === 'open' };
  }
}

function toAdmission(acquisition: Acquisition): Admission {
  if (acquisition.admitted) return { status: 'admitted', ticket: acquisition.ticket, used: acquisition.used };
  const { blockedIndex, retryAfterMs, used } = acquisition;
  return { status: 'limited', blockedIndex, retryAfterMs, used };
}

function unavailableMessage(error: unknown): string {
  return `limit store unavailable: ${errorMessage(error).split('\n')[0]}`;
}

/** Asynchronous stores answer with promises; a thenable check holds across realms. */