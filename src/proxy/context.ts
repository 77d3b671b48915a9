import { oneLine, shown } from '../shared/shown.js';
import type { ClientSide } from './client-side.js';
import type { Gate } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';
import type { Flow } from './outlet.js';
import type { ServerSide } from './server-side.js';

/** Timers the relay uses for call timeouts; tests pass their own and fire them by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What both directions of one relay share: settings, and the two sides that own their state. */
export interface RelayContext {
  readonly gate: Gate;
  readonly log: (message: string) => void;
  readonly now: () => number;
  readonly timers: Timers;
  readonly maxMessageBytes: number;
  /** server lines longer than this have their envelope read from their ends instead of parsed */
  readonly scanAboveBytes: number;
  /** reading from the client (client → server) */
  readonly clientFlow: Flow;
  /** reading from the server (server → client) */
  readonly serverFlow: Flow;
  readonly server: ServerSide;
  readonly client: ClientSide;
}

/** Short, printable form of an id for log lines: the client chooses it, so it is shown as any supplied value is. */
export function showId(id: JsonRpcId | null): string {
  return shown(id);
}

/** The message of anything thrown, as one line: it may quote what the client or server sent. */
export function errorText(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}
