import { PinGuard } from '../enforce/pin-guard.js';
import type { AuditSink } from '../audit/sink.js';
import { resolveStateLocation } from '../limits/state-location.js';
import type { Clock } from '../limits/types.js';
import type { CompiledPolicy } from '../policy/index.js';
import { pinServerKey } from '../pins/definition.js';
import { openPinStore } from '../pins/open-pin-store.js';
import type { PinStore } from '../pins/types.js';
import { maskedRedisUrl } from '../shared/redis-url.js';
import type { CliIo } from './io.js';

export interface PinSetupOptions {
  policy: CompiledPolicy;
  /** the policy file as the person named it, for the hint */
  policyPath: string;
  state: string | undefined;
  statePrefix: string | undefined;
  command: { file: string; args: readonly string[] };
  clock: Clock;
  session: string;
  grant: string;
  audit?: AuditSink;
  log: (message: string) => void;
}

export interface PinSetup {
  guard: PinGuard;
  close(): Promise<void>;
}

/** The wrapper's pins: in the state store, opened on first use (at start when the policy pins). */
export function pinSetup(options: PinSetupOptions, io: CliIo): PinSetup {
  let opened: Promise<PinStore> | undefined;
  const store = (): Promise<PinStore> => {
    opened ??= openPinStore(options.state, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
    return opened;
  };
  const location = resolveStateLocation(options.state, { env: io.env, cwd: io.cwd });
  const state = options.state === undefined ? '' : location.kind === 'redis' ? ` --state ${maskedRedisUrl(location.url)}` : location.kind === 'sqlite' ? ` --state ${location.path}` : '';
  const guard = new PinGuard({
    server: pinServerKey(options.policy.namespace, [options.command.file, ...options.command.args]),
    store,
    clock: options.clock,
    session: options.session,
    grant: options.grant,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    log: options.log,
    acceptHint: `policy-wrap pin --policy ${options.policyPath}${state} --accept -- <the server command>`,
  });
  return {
    guard,
    async close() {
      const reached = await opened?.catch(() => undefined);
      await reached?.close();
    },
  };
}
