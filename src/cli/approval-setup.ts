import { openApprovalStore } from '../approvals/open-approval-store.js';
import type { ApprovalStore } from '../approvals/types.js';
import { ApprovalDesk } from '../enforce/approval-desk.js';
import { resolveStateLocation } from '../limits/state-location.js';
import type { Clock } from '../limits/types.js';
import { maskedRedisUrl } from '../shared/redis-url.js';
import type { CliIo } from './io.js';

export interface ApprovalSetup {
  desk: ApprovalDesk;
  close(): Promise<void>;
}

interface SetupOptions {
  /** `--state` as given (undefined: POLICY_WRAP_STATE, else the default file) */
  state: string | undefined;
  statePrefix: string | undefined;
  grant: string;
  session: string;
  clock: Clock;
  command: { file: string; args: readonly string[] };
}

/**
 * The wrapper's approval desk: approvals from a terminal live where the counters do, opened the
 * first time a call needs one. A wrapper whose state is in memory has nowhere a terminal can reach.
 */
export function approvalSetup(options: SetupOptions, io: CliIo): ApprovalSetup {
  const location = resolveStateLocation(options.state, { env: io.env, cwd: io.cwd });
  let opened: Promise<ApprovalStore> | undefined;
  const store = (): Promise<ApprovalStore | undefined> => {
    if (location.kind === 'memory') return Promise.resolve(undefined);
    opened ??= openApprovalStore(options.state, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
    return opened;
  };
  const desk = new ApprovalDesk({
    grant: options.grant,
    session: options.session,
    clock: options.clock,
    server: serverName(options.command.file, options.command.args),
    store,
    stateHint: stateHint(options.state ?? (io.env.POLICY_WRAP_STATE || undefined), location),
  });
  return {
    desk,
    async close() {
      const reached = await opened?.catch(() => undefined);
      await reached?.close();
    },
  };
}

/** How the person's `policy-wrap approvals` reaches this store: nothing for the default file. */
function stateHint(spec: string | undefined, location: ReturnType<typeof resolveStateLocation>): string {
  if (spec === undefined || location.kind === 'memory') return '';
  if (location.kind === 'redis') return ` --state ${maskedRedisUrl(location.url)}`;
  return ` --state ${location.path}`;
}

const launchers = new Set(['node', 'nodejs', 'python', 'python3', 'uv', 'uvx', 'npx', 'pnpm', 'bun', 'bunx', 'deno', 'docker', 'java']);

/**
 * The server as a person recognises it: the command's name, and for a launcher (node, python,
 * npx…) the name of what it launches. Never more of the arguments: they may carry secrets.
 */
export function serverName(file: string, args: readonly string[]): string {
  const name = lastPart(file).replace(/\.(exe|cmd|bat)$/i, '');
  const launched = launchers.has(name) ? args.find((arg) => !arg.startsWith('-')) : undefined;
  return launched === undefined ? name : `${name} ${lastPart(launched)}`;
}

/** The last part of a path, Windows' or POSIX's, whatever this machine is. */
function lastPart(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
