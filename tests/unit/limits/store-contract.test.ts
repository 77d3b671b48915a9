import type { Acquisition, Budget, Ticket } from '../../../src/limits/types.js';
import { storeCases, type StoreUnderTest } from './store-cases.js';

const minute = 60_000;
const t0 = 1_700_000_000_000;

function admittedTicket(result: Acquisition): Ticket {
  if (!result.admitted) throw new Error(`expected an admission, got ${JSON.stringify(result)}`);
  return result.ticket;
}

describe.each(storeCases)('$name store', ({ open }) => {
  let subject: StoreUnderTest | undefined;
  const opened = (): StoreUnderTest => {
    if (!subject) throw new Error('the store did not open');
    return subject;
  };
  const acquire = async (budgets: Budget[], nowMs: number) => opened().store.acquire(budgets, nowMs);
  /** Acquires `count` times at `nowMs` and returns how many were admitted. */
  const admitMany = async (budgets: Budget[], nowMs: number, count: number) => {
    let admitted = 0;
    for (let i = 0; i < count; i += 1) if ((await acquire(budgets, nowMs)).admitted) admitted += 1;
    return admitted;
  };

  beforeEach(() => {
    subject = open();
  });
  afterEach(async () => {
    await subject?.dispose();
    subject = undefined;
  });

  test('admits up to max, counting each call, then refuses', async () => {
    const budget = { key: 'tool:search', windowMs: minute, max: 3 };
    expect(await acquire([budget], t0)).toMatchObject({ admitted: true, used: [1] });
    expect(await acquire([budget], t0 + 1)).toMatchObject({ admitted: true, used: [2] });
    expect(await acquire([budget], t0 + 2)).toMatchObject({ admitted: true, used: [3] });
    expect(await acquire([budget], t0 + 3)).toEqual({ admitted: false, blockedIndex: 0, retryAfterMs: minute - 3, used: [3] });
  });

  test('windows roll: no second burst right after a fixed-window boundary', async () => {
    const budget = { key: 'rolling', windowMs: minute, max: 10 };
    expect(await admitMany([budget], t0 + 59_000, 10)).toBe(10);
    // A fixed window starting at t0 would reset here and let ten more through.
    expect(await acquire([budget], t0 + 60_000)).toMatchObject({ admitted: false, retryAfterMs: 59_000 });
    expect(await acquire([budget], t0 + 61_000)).toMatchObject({ admitted: false, retryAfterMs: 58_000 });
    expect(await acquire([budget], t0 + 118_999)).toMatchObject({ admitted: false, retryAfterMs: 1 });
    // Exactly one window after they were admitted, the ten leave it together.
    expect(await admitMany([budget], t0 + 119_000, 11)).toBe(10);
  });

  test('only admissions older than the window expire', async () => {
    const budget = { key: 'partial', windowMs: minute, max: 10 };
    expect(await admitMany([budget], t0, 5)).toBe(5);
    expect(await admitMany([budget], t0 + 30_000, 5)).toBe(5);
    expect(await admitMany([budget], t0 + 60_000, 6)).toBe(5);
    expect(await acquire([budget], t0 + 60_001)).toEqual({ admitted: false, blockedIndex: 0, retryAfterMs: 29_999, used: [10] });
  });

  test('retryAfterMs is when the oldest admission in the window expires', async () => {
    const budget = { key: 'retry', windowMs: 10_000, max: 2 };
    await acquire([budget], t0 + 1_000);
    await acquire([budget], t0 + 4_000);
    expect(await acquire([budget], t0 + 5_000)).toMatchObject({ admitted: false, retryAfterMs: 6_000 });
    expect(await acquire([budget], t0 + 11_000)).toMatchObject({ admitted: true, used: [2] });
    expect(await acquire([budget], t0 + 11_500)).toMatchObject({ admitted: false, retryAfterMs: 2_500 });
  });

  test('checks and counts all budgets at once, or none of them', async () => {
    const perTool = { key: 'tool:write', windowMs: minute, max: 5 };
    const global = { key: 'global', windowMs: 3_600_000, max: 2 };
    expect(await acquire([perTool, global], t0)).toMatchObject({ admitted: true, used: [1, 1] });
    expect(await acquire([perTool, global], t0 + 1)).toMatchObject({ admitted: true, used: [2, 2] });
    expect(await acquire([perTool, global], t0 + 2)).toEqual({
      admitted: false,
      blockedIndex: 1,
      retryAfterMs: 3_600_000 - 2,
      used: [2, 2],
    });
    // The refused call was not counted in the budget that still had room.
    expect(await acquire([perTool], t0 + 3)).toMatchObject({ admitted: true, used: [3] });
  });

  test('names the first full budget and reports the use of every budget', async () => {
    const a = { key: 'a', windowMs: minute, max: 1 };
    const b = { key: 'b', windowMs: minute, max: 1 };
    const c = { key: 'c', windowMs: minute, max: 5 };
    await acquire([a, b, c], t0);
    expect(await acquire([c, b, a], t0 + 1)).toMatchObject({ admitted: false, blockedIndex: 1, used: [1, 1, 1] });
  });

  test('a ticket names every key it was counted under, once', async () => {
    const short = { key: 'shared', windowMs: 10_000, max: 5 };
    const long = { key: 'shared', windowMs: minute, max: 5 };
    const other = { key: 'other', windowMs: minute, max: 5 };
    const ticket = admittedTicket(await acquire([short, long, other], t0));
    expect([...ticket.keys].sort()).toEqual(['other', 'shared']);
    expect(ticket.atMs).toBe(t0);
    expect(await opened().storedEntries('shared')).toBe(1);
  });

  test('budgets of one key with different windows each count their own window', async () => {
    const burst = { key: 'k', windowMs: 10_000, max: 2 };
    const sustained = { key: 'k', windowMs: minute, max: 3 };
    expect(await acquire([burst, sustained], t0)).toMatchObject({ admitted: true, used: [1, 1] });
    expect(await acquire([burst, sustained], t0 + 1)).toMatchObject({ admitted: true, used: [2, 2] });
    expect(await acquire([burst, sustained], t0 + 2)).toMatchObject({ admitted: false, blockedIndex: 0, used: [2, 2] });
    expect(await acquire([burst, sustained], t0 + 10_001)).toMatchObject({ admitted: true, used: [1, 3] });
    expect(await acquire([burst, sustained], t0 + 10_002)).toMatchObject({ admitted: false, blockedIndex: 1, retryAfterMs: minute - 10_002 });
  });

  test('release refunds exactly the released admission', async () => {
    const budget = { key: 'refund', windowMs: minute, max: 2 };
    const first = admittedTicket(await acquire([budget], t0));
    admittedTicket(await acquire([budget], t0 + 1));
    expect(await acquire([budget], t0 + 2)).toMatchObject({ admitted: false });

    await opened().store.release(first);
    expect(await acquire([budget], t0 + 3)).toMatchObject({ admitted: true, used: [2] });
    // Releasing again must not free a slot someone else now holds.
    await opened().store.release(first);
    expect(await acquire([budget], t0 + 4)).toMatchObject({ admitted: false, used: [2], retryAfterMs: minute - 3 });
  });

  test('release frees the call in every budget it was counted in', async () => {
    const a = { key: 'ra', windowMs: minute, max: 1 };
    const b = { key: 'rb', windowMs: minute, max: 1 };
    const ticket = admittedTicket(await acquire([a, b], t0));
    await opened().store.release(ticket);
    expect(await acquire([a], t0 + 1)).toMatchObject({ admitted: true, used: [1] });
    expect(await acquire([b], t0 + 1)).toMatchObject({ admitted: true, used: [1] });
  });

  test('max 0 always refuses, for a whole window, and counts nothing anywhere', async () => {
    const closed = { key: 'closed', windowMs: minute, max: 0 };
    const open = { key: 'open', windowMs: minute, max: 5 };
    expect(await acquire([open, closed], t0)).toEqual({ admitted: false, blockedIndex: 1, retryAfterMs: minute, used: [0, 0] });
    expect(await acquire([closed], t0 + 10 * minute)).toMatchObject({ admitted: false, retryAfterMs: minute });
    expect(await acquire([open], t0)).toMatchObject({ admitted: true, used: [1] });
  });

  test('keys count independently', async () => {
    const alice = { key: 'per:alice', windowMs: minute, max: 2 };
    const bob = { key: 'per:bob', windowMs: minute, max: 2 };
    expect(await admitMany([alice], t0, 3)).toBe(2);
    expect(await admitMany([bob], t0, 3)).toBe(2);
  });

  test('keeps at most max entries per key while a key is in use', async () => {
    const budget = { key: 'busy', windowMs: 1_000, max: 3 };
    for (let step = 0; step < 200; step += 1) await acquire([budget], t0 + step * 100);
    expect(await opened().storedEntries('busy')).toBeLessThanOrEqual(3);
    expect(await opened().storedEntries('busy')).toBeGreaterThan(0);
  });
});
