import type { ApprovalRequest, ApprovalStore, Lookup } from '../../../src/approvals/types.js';

/** One store under test; `another` opens a second connection to the same place (memory: the same store). */
export interface ApprovalStoreCase {
  name: 'memory' | 'sqlite' | 'redis';
  open(): Promise<{ store: ApprovalStore; another(): Promise<ApprovalStore>; dispose(): Promise<void> }>;
}

export const t0 = 1_700_000_000_000;
const timeoutMs = 120_000;

export function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    tool: 'delete_playlist',
    grant: 'default',
    session: 'session-1',
    argumentsDigest: 'sha256:aaaa',
    rendering: '{"playlist": "Road trip"}',
    server: 'plex-mcp-server',
    remember: { kind: 'call' },
    ...overrides,
  };
}

const callOf = (r: ApprovalRequest) => ({ tool: r.tool, grant: r.grant, session: r.session, argumentsDigest: r.argumentsDigest });

/** The behaviour every ApprovalStore shares, whatever keeps the records. */
export function approvalStoreContract(storeCase: ApprovalStoreCase): void {
  let opened: Awaited<ReturnType<ApprovalStoreCase['open']>>;
  let store: ApprovalStore;
  beforeEach(async () => {
    opened = await storeCase.open();
    store = opened.store;
  });
  afterEach(async () => {
    await opened.dispose();
  });

  test('kind names the store', () => {
    expect(store.kind).toBe(storeCase.name);
  });

  test('nothing asked: lookup finds none, list is empty', async () => {
    expect(await store.lookup(callOf(request()), t0)).toEqual({ kind: 'none' });
    expect(await store.list(t0)).toEqual([]);
  });

  test('ask stores a pending approval with a readable code; lookup gives the same one back, storing nothing new', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    expect(asked).toEqual({ ...request(), code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/), createdMs: t0, expiresMs: t0 + timeoutMs });
    expect(await store.lookup(callOf(request()), t0 + 1)).toEqual({ kind: 'pending', approval: asked });
    expect(await store.lookup(callOf(request()), t0 + 2)).toEqual({ kind: 'pending', approval: asked });
    expect(await store.list(t0 + 3)).toEqual([asked]);
    expect(await store.get(asked.code, t0 + 3)).toEqual(asked);
  });

  test('codes are unique among live records', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 40; i += 1) codes.add((await store.ask(request({ argumentsDigest: `sha256:${i}` }), timeoutMs, t0)).code);
    expect(codes.size).toBe(40);
  });

  test('get and decide read the code in any case, with or without the dash', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    const compact = asked.code.replace('-', '');
    expect(await store.get(compact.toLowerCase(), t0)).toEqual(asked);
    expect(await store.get(` ${asked.code.toLowerCase()} `, t0)).toEqual(asked);
    expect(await store.get('not-a-code', t0)).toBeUndefined();
    expect(await store.decide(compact.toLowerCase(), 'approved', 'alice', t0 + 10)).toBe(true);
    expect(await store.get(compact, t0 + 10)).toMatchObject({ code: asked.code, verdict: 'approved' });
  });

  test('an approval for one call is decided once, then used up by the lookup that finds it', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 5_000)).toBe(true);
    const decided = { ...asked, verdict: 'approved', by: 'alice', decidedMs: t0 + 5_000, usableUntilMs: t0 + 5_000 + timeoutMs };
    expect(await store.list(t0 + 6_000)).toEqual([decided]);
    expect(await store.lookup(callOf(request()), t0 + 6_000)).toEqual({ kind: 'decided', approval: decided });
    expect(await store.lookup(callOf(request()), t0 + 6_001)).toEqual({ kind: 'none' });
    expect(await store.list(t0 + 6_001)).toEqual([]);
  });

  test('decide answers only a live pending approval, once', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    expect(await store.decide('ZZZZ-ZZZZ', 'approved', 'alice', t0)).toBe(false);
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 1)).toBe(true);
    expect(await store.decide(asked.code, 'denied', 'bob', t0 + 2)).toBe(false);
    expect(await store.get(asked.code, t0 + 3)).toMatchObject({ verdict: 'approved', by: 'alice' });
    const late = await store.ask(request({ argumentsDigest: 'sha256:late' }), timeoutMs, t0);
    expect(await store.decide(late.code, 'approved', 'alice', t0 + timeoutMs)).toBe(false);
  });

  test('a denial is reported to the next matching call, once', async () => {
    const asked = await store.ask(request({ remember: { kind: 'session' } }), timeoutMs, t0);
    expect(await store.decide(asked.code, 'denied', 'alice', t0 + 1)).toBe(true);
    const found = await store.lookup(callOf(request()), t0 + 2);
    expect(found).toMatchObject({ kind: 'decided', approval: { verdict: 'denied', by: 'alice', usableUntilMs: t0 + 1 + timeoutMs } });
    expect(await store.lookup(callOf(request()), t0 + 3)).toEqual({ kind: 'none' });
  });

  test('a session approval covers every matching call of its own session only, until it runs out', async () => {
    const asked = await store.ask(request({ remember: { kind: 'session' } }), timeoutMs, t0);
    expect(await store.lookup(callOf(request({ session: 'session-2' })), t0 + 1)).toEqual({ kind: 'none' });
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 10)).toBe(true);
    for (const at of [t0 + 11, t0 + 12, t0 + 9 + timeoutMs]) {
      expect(await store.lookup(callOf(request()), at)).toMatchObject({ kind: 'decided', approval: { code: asked.code, verdict: 'approved' } });
    }
    expect(await store.lookup(callOf(request({ session: 'session-2' })), t0 + 13)).toEqual({ kind: 'none' });
    expect(await store.lookup(callOf(request()), t0 + 10 + timeoutMs)).toEqual({ kind: 'none' });
  });

  test('a `for` approval covers every matching call, any session, until decidedMs + ms', async () => {
    const ms = 600_000;
    const asked = await store.ask(request({ remember: { kind: 'for', ms } }), timeoutMs, t0);
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 1_000)).toBe(true);
    expect(await store.get(asked.code, t0 + 1_000)).toMatchObject({ usableUntilMs: t0 + 1_000 + ms });
    for (const [session, at] of [['session-1', t0 + 2_000], ['session-2', t0 + 300_000], ['session-3', t0 + 1_000 + ms - 1]] as const) {
      expect(await store.lookup(callOf(request({ session })), at)).toMatchObject({ kind: 'decided', approval: { verdict: 'approved' } });
    }
    expect(await store.lookup(callOf(request()), t0 + 1_000 + ms)).toEqual({ kind: 'none' });
    expect(await store.list(t0 + 1_000 + ms)).toEqual([]);
  });

  test('a pending approval expires after its timeout: lookup, list and get no longer see it', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    expect(await store.lookup(callOf(request()), t0 + timeoutMs - 1)).toMatchObject({ kind: 'pending' });
    expect(await store.lookup(callOf(request()), t0 + timeoutMs)).toEqual({ kind: 'none' });
    expect(await store.list(t0 + timeoutMs)).toEqual([]);
    expect(await store.get(asked.code, t0 + timeoutMs)).toBeUndefined();
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + timeoutMs)).toBe(false);
  });

  test('an approved call is usable for the approval timeout after it was given, then gone', async () => {
    const asked = await store.ask(request(), timeoutMs, t0);
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 100_000)).toBe(true);
    expect(await store.lookup(callOf(request()), t0 + 100_000 + timeoutMs)).toEqual({ kind: 'none' });
  });

  test('grants, argument digests and tools are never crossed', async () => {
    const asked = await store.ask(request({ remember: { kind: 'for', ms: 600_000 } }), timeoutMs, t0);
    expect(await store.decide(asked.code, 'approved', 'alice', t0 + 1)).toBe(true);
    expect(await store.lookup(callOf(request({ grant: 'other' })), t0 + 2)).toEqual({ kind: 'none' });
    expect(await store.lookup(callOf(request({ argumentsDigest: 'sha256:bbbb' })), t0 + 2)).toEqual({ kind: 'none' });
    expect(await store.lookup(callOf(request({ tool: 'create_playlist' })), t0 + 2)).toEqual({ kind: 'none' });
    expect(await store.lookup(callOf(request()), t0 + 2)).toMatchObject({ kind: 'decided' });
  });

  test('a verdict answers before a newer question, and the newest verdict wins', async () => {
    const first = await store.ask(request({ remember: { kind: 'for', ms: 600_000 } }), timeoutMs, t0);
    const second = await store.ask(request({ remember: { kind: 'for', ms: 600_000 } }), timeoutMs, t0 + 1);
    expect(await store.lookup(callOf(request()), t0 + 2)).toEqual({ kind: 'pending', approval: second });
    expect(await store.decide(first.code, 'approved', 'alice', t0 + 3)).toBe(true);
    expect(await store.lookup(callOf(request()), t0 + 4)).toMatchObject({ kind: 'decided', approval: { code: first.code } });
    expect(await store.decide(second.code, 'denied', 'bob', t0 + 5)).toBe(true);
    expect(await store.lookup(callOf(request()), t0 + 6)).toMatchObject({ kind: 'decided', approval: { code: second.code, verdict: 'denied' } });
    expect(await store.lookup(callOf(request()), t0 + 7)).toMatchObject({ kind: 'decided', approval: { code: first.code, verdict: 'approved' } });
  });

  test('list gives pending and still-usable decided records, oldest first', async () => {
    const a = await store.ask(request({ argumentsDigest: 'sha256:1' }), timeoutMs, t0 + 20);
    const b = await store.ask(request({ argumentsDigest: 'sha256:2' }), timeoutMs, t0 + 10);
    const c = await store.ask(request({ argumentsDigest: 'sha256:3' }), 1_000, t0 + 30);
    expect(await store.decide(a.code, 'approved', 'alice', t0 + 40)).toBe(true);
    const listed = await store.list(t0 + 50);
    expect(listed.map((record) => record.code)).toEqual([b.code, a.code, c.code]);
    expect((await store.list(t0 + 1_030)).map((record) => record.code)).toEqual([b.code, a.code]);
  });

  test('a second connection sees what the first stored and decided', async () => {
    const other = await opened.another();
    try {
      const asked = await store.ask(request(), timeoutMs, t0);
      expect(await other.get(asked.code, t0 + 1)).toEqual(asked);
      expect(await other.decide(asked.code, 'approved', 'alice', t0 + 2)).toBe(true);
      expect(await store.lookup(callOf(request()), t0 + 3)).toMatchObject({ kind: 'decided', approval: { by: 'alice' } });
      expect(await other.lookup(callOf(request()), t0 + 4)).toEqual({ kind: 'none' });
    } finally {
      if (other !== store) await other.close();
    }
  });

  test('two concurrent lookups: only one gets a one-call approval, only one gets a denial', async () => {
    const other = await opened.another();
    try {
      for (const verdict of ['approved', 'denied'] as const) {
        const digest = `sha256:${verdict}`;
        const asked = await store.ask(request({ argumentsDigest: digest }), timeoutMs, t0);
        expect(await store.decide(asked.code, verdict, 'alice', t0 + 1)).toBe(true);
        const call = callOf(request({ argumentsDigest: digest }));
        const found: Lookup[] = await Promise.all([store.lookup(call, t0 + 2), other.lookup(call, t0 + 2), store.lookup(call, t0 + 2), other.lookup(call, t0 + 2)]);
        expect(found.filter((lookup) => lookup.kind === 'decided')).toHaveLength(1);
        expect(found.filter((lookup) => lookup.kind === 'none')).toHaveLength(3);
      }
    } finally {
      if (other !== store) await other.close();
    }
  });

  test('expired records are pruned when the store is next changed', async () => {
    await store.ask(request({ argumentsDigest: 'sha256:old' }), 1_000, t0);
    await store.ask(request({ argumentsDigest: 'sha256:new' }), timeoutMs, t0 + 5_000);
    expect((await store.list(t0 + 5_000)).map((record) => record.argumentsDigest)).toEqual(['sha256:new']);
  });
}
