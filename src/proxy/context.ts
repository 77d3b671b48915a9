import { oneLine, shown } from '../shared/shown.js';
import { encodeErrorAnswer, encodeLine, resultAnswer, wrapperError, type WrittenId } from './answers.js';
import type { Gate } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';
import type { Flow, Outlet } from './outlet.js';
import type { ClientBoundRequests, ServerBoundRequests } from './pending.js';

/** Timers the relay uses for call timeouts; tests pass their own and fire them by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The state both directions of one relay share. */
export interface RelayContext {
  readonly gate: Gate;
  readonly log: (message: string) => void;
  readonly now: () => number;
  readonly timers: Timers;
  readonly maxMessageBytes: number;
  /** server lines longer than this have their envelope read from their ends instead of parsed */
  readonly scanAboveBytes: number;
  /** the server's stdin */
  readonly server: Outlet;
  /** the client's stdout */
  readonly client: Outlet;
  /** reading from the client (client → server) */
  readonly clientFlow: Flow;
  /** reading from the server (server → client) */
  readonly serverFlow: Flow;
  readonly toServer: ServerBoundRequests;
  readonly toClient: ClientBoundRequests;
  /** why the server can no longer be reached; undefined while it can */
  serverGone: string | undefined;
}

export function canReachServer(context: RelayContext): boolean {
  return context.serverGone === undefined && context.server.writable;
}

/** The wrapper answers the client itself. `flow` is the direction whose reading led here. */
export function answerClientError(
  context: RelayContext,
  id: JsonRpcId | null | WrittenId,
  error: { code: number; message: string },
  flow: Flow = context.clientFlow,
): void {
  context.client.writeLine(encodeErrorAnswer(id, wrapperError(error.code, error.message)), flow);
}

export function answerClientResult(context: RelayContext, id: JsonRpcId, result: Record<string, unknown>): void {
  context.client.writeLine(encodeLine(resultAnswer(id, result)), context.clientFlow);
}

/** Short, printable form of an id for log lines: the client chooses it, so it is shown as any supplied value is. */
export function showId(id: JsonRpcId | null): string {
  return shown(id);
}

/** The message of anything thrown, as one line: it may quote what the client or server sent. */
export function errorText(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}
