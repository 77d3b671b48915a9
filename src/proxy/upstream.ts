import { RelayErrorCode, cancelledNotification, encodeLine } from './answers.js';
import { answerClientError, canReachServer, type RelayContext } from './context.js';
import { replaceId } from './id-span.js';
import type { ClientLine } from './from-client.js';
import type { JsonRpcErrorObject, JsonRpcRequest } from './jsonrpc.js';
import type { ClientRequest, TrackedCall, WrapperRequest } from './pending.js';

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

/**
 * Sends requests to the server and registers them, so that every one is answered exactly once:
 * by the server, or by the wrapper when it cannot be delivered or the server is gone.
 */
export class Upstream {
  constructor(private readonly context: RelayContext) {}

  /** Forwards a client request under an id of the wrapper's; undefined when it was not sent. */
  sendClientRequest(message: JsonRpcRequest, line: ClientLine, call?: TrackedCall): ClientRequest | undefined {
    const context = this.context;
    if (!canReachServer(context)) {
      this.unreachable(message.id, message.method, call);
      return undefined;
    }
    // The server sees only ids the wrapper chose, so a reused or late id can never meet the wrong
    // request. Only the id's bytes change: every other byte is what was judged.
    const serverId = context.toServer.freshServerId();
    const request: ClientRequest = { origin: 'client', clientId: message.id, serverId, method: message.method, call };
    const bytes = replaceId(line.bytes, line.check.idSpan!, serverId);
    context.toServer.add(request);
    context.server.writeLine(bytes, context.clientFlow, () => this.undelivered(request));
    return request;
  }

  /** A notification or response from the client; dropped once the server is out of reach. */
  sendLine(line: Buffer): boolean {
    return canReachServer(this.context) && this.context.server.writeLine(line, this.context.clientFlow);
  }

  /** GateContext.requestFromServer: a request under a wrapper-owned id; its answer stays here. */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const context = this.context;
    if (!canReachServer(context)) {
      return Promise.reject(new Error(`cannot send ${method}: ${context.serverGone ?? 'the server input is closed'}`));
    }
    return new Promise((resolve, reject) => {
      const serverId = context.toServer.freshServerId();
      let timer: unknown;
      const request: WrapperRequest = {
        origin: 'wrapper',
        serverId,
        method,
        resolve: (result) => {
          context.timers.clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          context.timers.clearTimeout(timer);
          reject(error);
        },
      };
      timer = context.timers.setTimeout(() => this.expired(request), WRAPPER_REQUEST_TIMEOUT_MS);
      context.toServer.add(request);
      const message = { jsonrpc: '2.0', id: serverId, method, ...(params === undefined ? {} : { params }) };
      context.server.writeLine(encodeLine(message), undefined, () => this.undelivered(request));
    });
  }

  /** A request of the wrapper's own outlived its deadline: the server is told to stop, its late answer dropped. */
  private expired(request: WrapperRequest): void {
    const context = this.context;
    if (!context.toServer.has(request)) return;
    context.toServer.remove(request);
    if (canReachServer(context)) {
      const reason = `policy-wrap: no answer within ${WRAPPER_REQUEST_TIMEOUT_MS / 1000} s`;
      context.server.writeLine(encodeLine(cancelledNotification(request.serverId, reason)), undefined);
    }
    context.log(`the server did not answer the wrapper's ${request.method} within ${WRAPPER_REQUEST_TIMEOUT_MS / 1000} s; cancelled`);
    request.reject(new Error(`${request.method}: the server did not answer within ${WRAPPER_REQUEST_TIMEOUT_MS / 1000} s`));
  }

  private undelivered(request: ClientRequest | WrapperRequest): void {
    const context = this.context;
    if (!context.toServer.has(request)) return;
    context.toServer.remove(request);
    if (request.origin === 'wrapper') {
      request.reject(new Error(`${request.method} could not be delivered to the server`));
      return;
    }
    this.unreachable(request.clientId, request.method, request.call);
  }

  private unreachable(id: ClientRequest['clientId'], method: string, call: TrackedCall | undefined): void {
    const reason = this.context.serverGone ?? 'the server input is closed';
    answerClientError(this.context, id, {
      code: RelayErrorCode.serverGone,
      message: `${method} was not delivered: ${reason}`,
    });
    call?.report({ kind: 'not-forwarded', reason: 'server-unreachable' });
  }
}
