import type { CallOutcome } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';

/** Map key for an id: 1 and "1" are different ids. */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

/** A forwarded `tools/call`: what its outcome report and timeout need. */
export interface TrackedCall {
  name: string;
  startedAt: number;
  timer?: unknown;
  report(outcome: CallOutcome): void;
}

/** A client request in flight at the server. `serverId` differs from `clientId` only when remapped. */
export interface ClientRequest {
  origin: 'client';
  clientId: JsonRpcId;
  serverId: JsonRpcId;
  method: string;
  call?: TrackedCall;
}

/** A request of the wrapper's own (GateContext.requestFromServer); its answer never reaches the client. */
export interface WrapperRequest {
  origin: 'wrapper';
  serverId: JsonRpcId;
  method: string;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

export type ServerBoundRequest = ClientRequest | WrapperRequest;

/** How many answers owed by the server for abandoned requests are remembered (to drop them). */
const ABANDONED_LIMIT = 1024;

/**
 * Requests in flight at the server, found by the id the server saw; the client's also by the id
 * the client used. The server's id space is shared by the client and the wrapper, so an id that is
 * busy here (in flight, or abandoned with its answer still owed) is never sent twice.
 */
export class ServerBoundRequests {
  private readonly byServerId = new Map<string, ServerBoundRequest>();
  private readonly byClientId = new Map<string, ClientRequest>();
  private readonly abandoned = new Set<string>();
  private counter = 0;

  add(request: ServerBoundRequest): void {
    this.byServerId.set(idKey(request.serverId), request);
    if (request.origin === 'client') this.byClientId.set(idKey(request.clientId), request);
  }

  byClient(clientId: JsonRpcId): ClientRequest | undefined {
    return this.byClientId.get(idKey(clientId));
  }

  /** The request a server response answers, removed; 'abandoned' when nobody waits for it any more. */
  take(serverId: JsonRpcId): ServerBoundRequest | 'abandoned' | undefined {
    const key = idKey(serverId);
    if (this.abandoned.delete(key)) return 'abandoned';
    const request = this.byServerId.get(key);
    if (request) this.remove(request);
    return request;
  }

  /** Whether this very request is still waiting for the server's answer. */
  has(request: ServerBoundRequest): boolean {
    return this.byServerId.get(idKey(request.serverId)) === request;
  }

  /** Removed without an answer from the server (answered by the wrapper, or never delivered). */
  remove(request: ServerBoundRequest): void {
    this.byServerId.delete(idKey(request.serverId));
    if (request.origin === 'client') this.byClientId.delete(idKey(request.clientId));
  }

  /** Nobody waits any more (timeout, cancellation); the server's late answer will be dropped. */
  abandon(request: ServerBoundRequest): void {
    this.remove(request);
    this.abandoned.add(idKey(request.serverId));
    if (this.abandoned.size > ABANDONED_LIMIT) {
      const oldest = this.abandoned.values().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
  }

  isServerIdBusy(id: JsonRpcId): boolean {
    const key = idKey(id);
    return this.byServerId.has(key) || this.abandoned.has(key);
  }

  /** An id of the wrapper's own that nothing in flight uses. */
  freshServerId(): string {
    let id: string;
    do {
      this.counter += 1;
      id = `policy-wrap-${this.counter}`;
    } while (this.isServerIdBusy(id));
    return id;
  }

  /** Everything in flight, removed (the server is gone). */
  takeAll(): ServerBoundRequest[] {
    const all = [...this.byServerId.values()];
    this.byServerId.clear();
    this.byClientId.clear();
    this.abandoned.clear();
    return all;
  }
}

/** Requests from the server still waiting for the client's answer. */
export class ClientBoundRequests {
  private readonly byId = new Map<string, string>();

  add(id: JsonRpcId, method: string): void {
    this.byId.set(idKey(id), method);
  }

  /** The method of the request this id answers, removed. */
  take(id: JsonRpcId): string | undefined {
    const key = idKey(id);
    const method = this.byId.get(key);
    this.byId.delete(key);
    return method;
  }

  clear(): void {
    this.byId.clear();
  }
}
