import { openStore, type OpenStoreOptions } from './open-store.js';
import { resolveStateLocation } from './state-location.js';
import type { Acquisition, Budget, LimitStore, MaybePromise, Peek, Ticket } from './types.js';

/**
 * A store opened only once something needs counting, so a policy without limits never loads
 * SQLite (or Redis). The spec is checked at once: a mistyped --state is a start-up error
 * (state.invalid-spec) whether or not the policy has limits. Budgets reach the store only from
 * a policy with limits, and the caller opens the store before such a policy takes effect; a
 * budget that arrives anyway finds the store unavailable, which the limiter reports per call.
 */
export class DeferredStore implements LimitStore {
  readonly kind: LimitStore['kind'];
  private store: LimitStore | undefined;
  private opening: Promise<LimitStore> | undefined;
  private closed = false;

  constructor(
    private readonly spec: string | undefined,
    private readonly options: OpenStoreOptions = {},
  ) {
    this.kind = resolveStateLocation(spec, options).kind;
  }

  get isOpen(): boolean {
    return this.store !== undefined;
  }

  /** Opens the store, once; rejects with openStore's PolicyWrapError, and a later call tries again. */
  async open(): Promise<void> {
    this.opening ??= openStore(this.spec, this.options).then(
      async (store) => {
        if (this.closed) await store.close();
        else this.store = store;
        return store;
      },
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    await this.opening;
  }

  acquire(budgets: readonly Budget[], nowMs: number): MaybePromise<Acquisition> {
    return this.opened().acquire(budgets, nowMs);
  }

  release(ticket: Ticket): MaybePromise<void> {
    return this.opened().release(ticket);
  }

  peek(budgets: readonly Budget[], nowMs: number): MaybePromise<Peek> {
    const store = this.opened();
    if (store.peek === undefined) throw new Error(`the ${this.kind} limit store cannot be read without counting`);
    return store.peek(budgets, nowMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.store?.close();
  }

  private opened(): LimitStore {
    if (this.store === undefined) throw new Error(`the ${this.kind} limit store is not open`);
    return this.store;
  }
}
