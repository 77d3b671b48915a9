import { RelayErrorCode, cancelledNotification, encodeErrorAnswer, encodeLine, wrapperError, type WrittenId } from './answers.js';
import type { ClientSide } from './client-side.js';
import type { Timers } from './context.js';
import type { ClientLine } from './from-client.js';
import { lineWithId } from './id-span.js';
import type { JsonRpcErrorObject, JsonRpcId, JsonRpcRequest } from './jsonrpc.js';
import type { Flow, Outlet } from './outlet.js';
import { ServerBoundRequests, type ClientRequest, type ServerBoundRequest, type TrackedCall, type WrapperRequest } from './pending.js';

/** How long the server has to answer a request of the wrapper's own (a tools/list the gate needs). */
export const WRAPPER_REQUEST_TIMEOUT_MS = 10_000;

/** The server answered a request of the wrapper's own with a JSON-RPC error. */
export class ServerRequestError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(method: string, error: JsonRpcErrorObject) {
    super(`${method} failed at the server: ${error.message} (${error.code})`);
    this.name = 'ServerRequestError';
    this.code = error.code;
    this.data = error.data;
  }
}

export interface ServerSideOptions {
  /** the server's stdin */
  outlet: Outlet;
  client: ClientSide;
  /** reading from the client: slowed down while the server's stdin is full */
  clientFlow: Flow;
  timers: Timers;
  log: (message: string) => void;
}

/**
 * The server's side of the relay, owned by one object: its input, its requests in flight under
 * ids this side chose (the client's and the wrapper's own), and whether it is gone. Every request
 * sent is answered exactly once: by the server, or here when it cannot be delivered, is given up,
 * or the server goes away.
 */
export class ServerSide {
  private readonly pending = new ServerBoundRequests();
  private goneReason: string | undefined;

  constructor(private readonly options: ServerSideOptions) {}

  /** Why the server can no longer be reached; undefined while it can. */
  get gone(): string | undefined {
    return this.goneReason;
  }

  get reachable(): boolean {
    return this.goneReason === undefined && this.options.outlet.writable;
  }

  /** Forwards a client request under an id of this side's; undefined when it was not sent. */
  forward(message: JsonRpcRequest, line: ClientLine, call?: TrackedCall): ClientRequest | undefined {
    if (!this.reachable) {
      this.unreachable(message.id, message.method, call);
      return undefined;
    }
    // The server sees only ids chosen here, so a reused or late id can never meet the wrong
    // request. Only the id's bytes change: every other byte is what was judged.
    const serverId = this.pending.freshServerId();
    const request: ClientRequest = { origin: 'client', clientId: message.id, serverId, method: message.method, call };
    this.pending.add(request);
    this.options.outlet.writeLine(lineWithId(line.bytes, line.check.idSpan!, serverId), this.options.clientFlow, () => this.undelivered(request));
    return request;
  }

  /** A notification or response from the client (or the wrapper); dropped once the server is out of reach. */
  send(line: Buffer, flow: Flow | undefined = this.options.clientFlow): boolean {
    return this.reachable && this.options.outlet.writeLine(line, flow);
  }

  /** The wrapper answers a request of the server's with an error. */
  answerError(id: JsonRpcId | WrittenId, error: JsonRpcErrorObject, flow: Flow): void {
    const data = error.data === undefined ? {} : { data: error.data };
    if (this.reachable) this.options.outlet.writeLine(encodeErrorAnswer(id, { ...wrapperError(error.code, error.message), ...data }), flow);
  }

  /** GateContext.requestFromServer: a request of the wrapper's own; its answer stays here. */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { timers } = this.options;
    if (!this.reachable) return Promise.reject(new Error(`cannot send ${method}: ${this.goneReason ?? 'the server input is closed'}`));
    return new Promise((resolve, reject) => {
      const serverId = this.pending.freshServerId();
      let timer: unknown;
      const request: WrapperRequest = {
        origin: 'wrapper',
        serverId,
        method,
        resolve: (result) => {
          timers.clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          timers.clearTimeout(timer);
          reject(error);
        },
      };
      timer = timers.setTimeout(() => this.expired(request), WRAPPER_REQUEST_TIMEOUT_MS);
      this.pending.add(request);
      const message = { jsonrpc: '2.0', id: serverId, method, ...(params === undefined ? {} : { params }) };
      this.options.outlet.writeLine(encodeLine(message), undefined, () => this.undelivered(request));
    });
  }

  /** Nobody waits for this request any more: forgotten (its late answer matches nothing); the server is told when `reason` is given. */
  abandon(request: ServerBoundRequest, reason?: string): void {
    this.pending.remove(request);
    if (reason !== undefined) this.send(encodeLine(cancelledNotification(request.serverId, reason)), undefined);
  }

  /** The request an answer from the server is for, no longer pending; undefined when none waits under that id. */
  takeAnswered(serverId: JsonRpcId): ServerBoundRequest | undefined {
    return this.pending.take(serverId);
  }

  /** Whether this very request still waits for the server's answer. */
  isPending(request: ServerBoundRequest): boolean {
    return this.pending.has(request);
  }

  /** The client's request in flight under the id the client gave it. */
  clientRequest(clientId: JsonRpcId): ClientRequest | undefined {
    return this.pending.byClient(clientId);
  }

  /** The server can answer nothing more: every request in flight, removed (undefined when it was gone already). */
  markGone(reason: string): ServerBoundRequest[] | undefined {
    if (this.goneReason !== undefined) return undefined;
    this.goneReason = reason;
    return this.pending.takeAll();
  }

  /** No more input for the server. */
  end(): void {
    this.options.outlet.end();
  }

  private expired(request: WrapperRequest): void {
    if (!this.pending.has(request)) return;
    const seconds = WRAPPER_REQUEST_TIMEOUT_MS / 1000;
    this.abandon(request, `policy-wrap: no answer within ${seconds} s`);
    this.options.log(`the server did not answer the wrapper's ${request.method} within ${seconds} s; cancelled`);
    request.reject(new Error(`${request.method}: the server did not answer within ${seconds} s`));
  }

  private undelivered(request: ServerBoundRequest): void {
    if (!this.pending.has(request)) return;
    this.pending.remove(request);
    if (request.origin === 'wrapper') {
      request.reject(new Error(`${request.method} could not be delivered to the server`));
      return;
    }
    this.unreachable(request.clientId, request.method, request.call);
  }

  private unreachable(id: JsonRpcId, method: string, call: TrackedCall | undefined): void {
    const reason = this.goneReason ?? 'the server input is closed';
    this.options.client.answerError(id, { code: RelayErrorCode.serverGone, message: `${method} was not delivered: ${reason}` });
    call?.report({ kind: 'not-forwarded', reason: 'server-unreachable' });
  }
}
