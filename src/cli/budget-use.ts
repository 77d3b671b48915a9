import { existsSync } from 'node:fs';
import { PolicyWrapError } from '../errors.js';
import { openStore } from '../limits/open-store.js';
import { resolveStateLocation } from '../limits/state-location.js';
import type { LimitStore, Peek } from '../limits/types.js';
import type { BudgetClaim } from '../policy/index.js';
import { errorMessage } from '../shared/values.js';
import type { CliIo } from './io.js';

/**
 * Reading budgets' current use from the counter store without counting anything, for `explain`
 * and `tools`. The store is opened only when a budget outlives a session, once, and never
 * created: a memory store starts empty, and a missing SQLite file is read as empty.
 */
export interface BudgetReader {
  /** Per claim: calls counted in its window now, and how long until it has room (0 when it has). */
  read(claims: readonly BudgetClaim[], nowMs: number): Promise<Peek>;
  close(): Promise<void>;
}

export interface StateOptions {
  state?: string;
  statePrefix?: string;
}

/** `codePrefix` names the command in the error code: `explain.state-unreadable`. */
export function budgetReader(options: StateOptions, io: CliIo, codePrefix: string): BudgetReader {
  return readerOf(() => openReadable(options.state, options.statePrefix, io), codePrefix);
}

/** A reader over the store `open` gives (undefined: nothing stored, every count is 0). */
export function readerOf(open: () => Promise<LimitStore | undefined>, codePrefix: string): BudgetReader {
  let opened: Promise<LimitStore | undefined> | undefined;
  const store = (): Promise<LimitStore | undefined> => (opened ??= open());
  return {
    async read(claims, nowMs) {
      const used = claims.map(() => 0);
      const retryAfterMs = claims.map((claim) => (claim.max <= 0 ? claim.windowMs : 0));
      const stored = claims.map((claim, index) => ({ claim, index })).filter(({ claim }) => claim.scope !== 'session');
      if (stored.length === 0) return { used, retryAfterMs };
      try {
        const reader = await store();
        if (reader === undefined) return { used, retryAfterMs };
        if (reader.peek === undefined) throw new Error(`the ${reader.kind} store cannot be read without counting`);
        const read = await reader.peek(stored.map(({ claim }) => claim), nowMs);
        stored.forEach(({ index }, i) => {
          used[index] = read.used[i] ?? 0;
          retryAfterMs[index] = read.retryAfterMs[i] ?? 0;
        });
        return { used, retryAfterMs };
      } catch (error) {
        if (error instanceof PolicyWrapError) throw error;
        throw new PolicyWrapError(`${codePrefix}.state-unreadable`, `cannot read the counters: ${errorMessage(error)}; check --state or POLICY_WRAP_STATE`, { cause: error });
      }
    },
    async close() {
      if (opened === undefined) return;
      const reader = await opened.catch(() => undefined);
      await reader?.close();
    },
  };
}

async function openReadable(spec: string | undefined, prefix: string | undefined, io: CliIo): Promise<LimitStore | undefined> {
  const location = resolveStateLocation(spec, { env: io.env, cwd: io.cwd });
  if (location.kind === 'memory') return undefined;
  if (location.kind === 'sqlite' && !existsSync(location.path)) return undefined;
  return openStore(spec, { env: io.env, cwd: io.cwd, redisKeyPrefix: prefix });
}
