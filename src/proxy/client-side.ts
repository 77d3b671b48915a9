import { cancelledNotification, encodeErrorAnswer, encodeLine, resultAnswer, wrapperError, type WrittenId } from './answers.js';
import type { Timers } from './context.js';
import type { ClientFacts, ClientRequestHandle } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';
import type { Flow, Outlet } from './outlet.js';
import { ClientBoundRequests, type ClientBoundRequest, type ServerRequest, type WrapperClientRequest } from './pending.js';

/**
 * The first protocol version without server-to-client requests (MCP 2026-07-28, stateless: a
 * server that needs input answers "input required" instead). Versions are dates, compared as text.
 */
export const FIRST_STATELESS_VERSION = '2026-07-28';

/**
 * The client's side of the relay, owned by one object: its output, what it said it can do, and
 * the requests in flight at the client (the server's and the wrapper's own) under ids this side
 * chose. Nothing else writes to the client or touches those ids.
 */
export class ClientSide {
  private readonly pending = new ClientBoundRequests();
  private capabilities: Record<string, unknown> | undefined;
  private protocolVersion: string | undefined;
  private closedReason: string | undefined;

  constructor(
    private readonly outlet: Outlet,
    /** reading from the client: slowed down when the wrapper's own answers fill the client's pipe */
    private readonly clientFlow: Flow,
    private readonly timers: Timers,
  ) {}

  /** The client's `initialize` request: what it said it can do. */
  noteInitialize(params: unknown): void {
    const capabilities = isRecord(params) ? params.capabilities : undefined;
    this.capabilities = isRecord(capabilities) ? capabilities : {};
  }

  /** The server's answer to `initialize`: the protocol version of this session. */
  noteProtocolVersion(version: unknown): void {
    if (typeof version === 'string') this.protocolVersion = version;
  }

  /** GateContext.client: what the wrapper may ask of the client. */
  facts(): ClientFacts {
    const elicitation = this.capabilities?.elicitation;
    // `elicitation: {}` is form mode (2025-06-18); from 2025-11-25 a client may list its modes.
    const form = isRecord(elicitation) && (Object.keys(elicitation).length === 0 || elicitation.form !== undefined);
    const acceptsRequests =
      this.capabilities !== undefined && this.closedReason === undefined && (this.protocolVersion === undefined || this.protocolVersion < FIRST_STATELESS_VERSION);
    return { elicitationForm: acceptsRequests && form, acceptsRequests, ...(this.protocolVersion === undefined ? {} : { protocolVersion: this.protocolVersion }) };
  }

  /**
   * GateContext.requestFromClient: a request of the wrapper's own, under an id from the same
   * counter as the server's requests. Rejects after `timeoutMs` (the client is told with
   * notifications/cancelled), when cancelled, or when the client goes away.
   */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): ClientRequestHandle {
    let settled = false;
    let timer: unknown;
    let clientId = 0;
    let resolveAnswer!: (result: Record<string, unknown>) => void;
    let rejectAnswer!: (error: Error) => void;
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      resolveAnswer = resolve;
      rejectAnswer = reject;
    });
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.timers.clearTimeout(timer);
      return true;
    };
    const giveUp = (error: Error, reason: string): void => {
      if (!settle()) return;
      if (this.pending.remove(clientId)) this.outlet.writeLine(encodeLine(cancelledNotification(clientId, reason)), undefined);
      rejectAnswer(error);
    };
    const request: WrapperClientRequest = {
      origin: 'wrapper',
      method,
      resolve: (result) => settle() && resolveAnswer(result),
      reject: (error) => settle() && rejectAnswer(error),
    };
    if (this.closedReason !== undefined) {
      request.reject(new Error(`cannot send ${method}: ${this.closedReason}`));
      return { answer, cancel: () => undefined };
    }
    clientId = this.pending.add(request);
    timer = this.timers.setTimeout(() => giveUp(new ClientRequestTimeout(method, timeoutMs), `policy-wrap: no answer within ${timeoutMs / 1000} s`), timeoutMs);
    this.outlet.writeLine(encodeLine({ jsonrpc: '2.0', id: clientId, method, params }), undefined);
    return { answer, cancel: (reason) => giveUp(new Error(`${method} cancelled: ${reason}`), reason) };
  }

  /** The client is gone: the wrapper's own requests can no longer be answered. */
  closed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const request of this.pending.takeWrapperRequests()) request.reject(new Error(`${request.method}: ${reason} before answering`));
  }

  /** A line for the client; `flow` is the direction to slow down while the client's pipe is full. */
  write(line: Buffer, flow: Flow | undefined): void {
    this.outlet.writeLine(line, flow);
  }

  /** A long line held as the chunks it came in. */
  writeChunks(chunks: readonly Buffer[], flow: Flow | undefined): void {
    this.outlet.writeChunks(chunks, flow);
  }

  /** The wrapper answers a request of the client's with an error. `flow` is the direction whose reading led here. */
  answerError(id: JsonRpcId | null | WrittenId, error: { code: number; message: string }, flow: Flow = this.clientFlow): void {
    this.outlet.writeLine(encodeErrorAnswer(id, wrapperError(error.code, error.message)), flow);
  }

  answerResult(id: JsonRpcId, result: Record<string, unknown>): void {
    this.outlet.writeLine(encodeLine(resultAnswer(id, result)), this.clientFlow);
  }

  /** A request of the server's goes to the client: the id the client is to see. */
  register(request: ServerRequest): number {
    return this.pending.add(request);
  }

  /** The request (the server's or the wrapper's) the client's answer under `clientId` is for, no longer pending. */
  takeAnswered(clientId: JsonRpcId): ClientBoundRequest | undefined {
    return this.pending.take(clientId);
  }

  /** The server cancelled its request: the id the client knows it by, if it was pending. */
  cancelled(serverId: JsonRpcId): number | undefined {
    return this.pending.cancel(serverId);
  }

  /** The server is gone: none of its requests can be answered any more. */
  forgetServerRequests(): void {
    this.pending.clearServerRequests();
  }

  end(): void {
    this.outlet.end();
  }
}

/** The client answered a request of the wrapper's own with a JSON-RPC error. */
export class ClientRequestError extends Error {
  constructor(
    method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method} failed at the client: ${message} (${code})`);
    this.name = 'ClientRequestError';
  }
}

/** The client did not answer a request of the wrapper's own in time. */
export class ClientRequestTimeout extends Error {
  constructor(method: string, readonly timeoutMs: number) {
    super(`${method}: no answer within ${timeoutMs / 1000} s`);
    this.name = 'ClientRequestTimeout';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
