import type { CallOutcome, ServerAnswer } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';

/** A forwarded `tools/call`: what its outcome report and timeout need. */
export interface TrackedCall {
  name: string;
  startedAt: number;
  timer?: unknown;
  report(outcome: CallOutcome): void;
  /** a task-augmented call with a timeout: the server created task `taskId` for it */
  onTask?(taskId: string): void;
  /** ForwardVerdict.transformAnswer: the answer is read whole and rewritten before the client sees it */
  transform?(answer: ServerAnswer | undefined): ServerAnswer | undefined;
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

/**
 * Requests in flight at the server, found by the id the server saw; the client's also by the id
 * the client used. Every id the server sees is chosen here, once: a request the client stopped
 * waiting for (timeout, cancellation) is simply forgotten, and its late answer matches nothing.
 */
export class ServerBoundRequests {
  private readonly byServerId = new Map<JsonRpcId, ServerBoundRequest>();
  private readonly byClientId = new Map<JsonRpcId, ClientRequest>();
  private counter = 0;

  add(request: ServerBoundRequest): void {
    this.byServerId.set(request.serverId, request);
    if (request.origin === 'client') this.byClientId.set(request.clientId, request);
  }

  byClient(clientId: JsonRpcId): ClientRequest | undefined {
    return this.byClientId.get(clientId);
  }

  /** The request a server response answers, removed; undefined when nobody waits for that id. */
  take(serverId: JsonRpcId): ServerBoundRequest | undefined {
    const request = this.byServerId.get(serverId);
    if (request) this.remove(request);
    return request;
  }

  /** Whether this very request is still waiting for the server's answer. */
  has(request: ServerBoundRequest): boolean {
    return this.byServerId.get(request.serverId) === request;
  }

  /** Removed without an answer from the server (answered by the wrapper, never delivered, or given up). */
  remove(request: ServerBoundRequest): void {
    this.byServerId.delete(request.serverId);
    if (request.origin === 'client') this.byClientId.delete(request.clientId);
  }

  /** A new id for the server, never used before in this session. */
  freshServerId(): number {
    this.counter += 1;
    return this.counter;
  }

  /** Everything in flight, removed (the server is gone). */
  takeAll(): ServerBoundRequest[] {
    const all = [...this.byServerId.values()];
    this.byServerId.clear();
    this.byClientId.clear();
    return all;
  }
}

/** A request from the server in flight at the client: its id as the server wrote it, and its method. */
export interface ServerRequest {
  origin: 'server';
  serverId: JsonRpcId;
  /** the server's id exactly as it wrote it, for the answer */
  serverIdText: string;
  method: string;
}

/** A request of the wrapper's own to the client (GateContext.requestFromClient); its answer never reaches the server. */
export interface WrapperClientRequest {
  origin: 'wrapper';
  method: string;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

export type ClientBoundRequest = ServerRequest | WrapperClientRequest;

/**
 * Requests still waiting for the client's answer, the server's and the wrapper's own, by the id
 * the client saw. Every id the client sees is chosen here, from one counter, so the two never
 * collide, and an answer the client sends late, twice, or to a request never made matches nothing.
 */
export class ClientBoundRequests {
  private readonly byClientId = new Map<number, ClientBoundRequest>();
  private counter = 0;

  /** Registers a request; the id the client is to see. */
  add(request: ClientBoundRequest): number {
    this.counter += 1;
    this.byClientId.set(this.counter, request);
    return this.counter;
  }

  /** The request this client id answers, removed. */
  take(clientId: JsonRpcId): ClientBoundRequest | undefined {
    // The wrapper's ids are numbers: "1" answers nothing it asked.
    if (typeof clientId !== 'number') return undefined;
    const request = this.byClientId.get(clientId);
    this.byClientId.delete(clientId);
    return request;
  }

  /** Removed unanswered (given up); false when it was no longer waiting. */
  remove(clientId: number): boolean {
    return this.byClientId.delete(clientId);
  }

  /** The server cancelled its request: removed; the id the client knows it by. */
  cancel(serverId: JsonRpcId): number | undefined {
    for (const [key, request] of this.byClientId) {
      if (request.origin !== 'server' || request.serverId !== serverId) continue;
      this.byClientId.delete(key);
      return key;
    }
    return undefined;
  }

  /** The server is gone: its requests can no longer be answered; the wrapper's own stay. */
  clearServerRequests(): void {
    for (const [key, request] of this.byClientId) if (request.origin === 'server') this.byClientId.delete(key);
  }

  /** The client is gone: the wrapper's own requests, removed, to be told. */
  takeWrapperRequests(): WrapperClientRequest[] {
    const taken: WrapperClientRequest[] = [];
    for (const [key, request] of this.byClientId) {
      if (request.origin !== 'wrapper') continue;
      this.byClientId.delete(key);
      taken.push(request);
    }
    return taken;
  }
}
