import type { JsonRpcErrorObject, JsonRpcId } from './jsonrpc.js';

/**
 * The relay's only view of the policy. The relay never imports the policy engine: the CLI builds a
 * Gate from the policy and hands it in.
 */
export interface Gate {
  /**
   * Judge one `tools/call` before it is forwarded. Synchronous verdicts keep strict message order;
   * a Promise lets later, unrelated messages pass while the verdict is pending (e.g. a remote
   * limit store).
   */
  checkCall(call: ToolCall, context: GateContext): CallVerdict | Promise<CallVerdict>;
  /** Rewrite a `tools/list` result from the server before the client sees it (hide tools). */
  filterToolsList(result: Record<string, unknown>, bytes?: number): Record<string, unknown>;
  /**
   * Judge one client request of a JUDGED_METHODS method before it is forwarded, like checkCall
   * (the same verdicts, pending verdicts, timeouts and outcome reports). Without this hook those
   * requests are forwarded unjudged.
   */
  checkRequest?(request: JudgedRequest, context: GateContext): CallVerdict | Promise<CallVerdict>;
  /**
   * Rewrite a FILTERED_LISTS result before the client sees it. Undefined when nothing changes: the
   * server's bytes are then forwarded as they came.
   */
  filterList?(method: string, result: Record<string, unknown>): Record<string, unknown> | undefined;
  /** The server said `notifications/tools/list_changed`. */
  toolsListChanged?(): void;
  /**
   * Judge one request the server sends to the client (sampling/createMessage, elicitation/create,
   * roots/list, ping, …) before it is forwarded; absent, every one is forwarded. A refused request
   * is answered to the server with the verdict's error and never reaches the client. A Promise lets
   * later messages of the server (its notifications, answers to the client) pass while the verdict
   * is pending; the request is forwarded when it comes, unless the server cancelled it meanwhile.
   * The wrapper's own requests to the client (GateContext.requestFromClient) never come here.
   */
  checkServerRequest?(request: ServerToClientRequest): ServerRequestVerdict | Promise<ServerRequestVerdict>;
  /** The client cancelled a call whose verdict was still pending (or the session ended before it came). */
  callAbandoned?(id: JsonRpcId): void;
  /**
   * Called once by the relay with a function that tells the client its tool list changed. The gate
   * calls it when the tools the client may see change without the server's doing (a reloaded
   * policy hides or shows a tool the server listed).
   */
  watchVisibleTools?(tellClient: () => void): void;
}

/** Client requests besides tools/call that Gate.checkRequest judges. */
export const JUDGED_METHODS: ReadonlySet<string> = new Set(['resources/read', 'resources/subscribe', 'prompts/get', 'completion/complete']);

/** Server results that Gate.filterList may rewrite. */
export const FILTERED_LISTS: ReadonlySet<string> = new Set(['resources/list', 'resources/templates/list', 'prompts/list']);

/** A JUDGED_METHODS request as the gate sees it. */
export interface JudgedRequest {
  id: JsonRpcId;
  method: string;
  /** `params` as the client sent it ({} when absent). */
  params: Record<string, unknown>;
}

export interface ToolCall {
  id: JsonRpcId;
  name: string;
  /** `params.arguments` as the client sent it (undefined when absent). */
  arguments: unknown;
  /** The whole `params` object, for checks that look beyond name and arguments. */
  params: Record<string, unknown>;
}

export interface GateContext {
  /** Send a request of the wrapper's own to the server; its answer never reaches the client. */
  requestFromServer(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** What the client said it can do, and whether the wrapper may send it requests at all. */
  client(): ClientFacts;
  /**
   * Send a request of the wrapper's own to the client (an elicitation); its answer never reaches
   * the server. The answer rejects on an error answer, after `timeoutMs`, when cancelled, or when
   * the client goes away; the client is told of a request given up.
   */
  requestFromClient(method: string, params: Record<string, unknown>, timeoutMs: number): ClientRequestHandle;
}

export interface ClientFacts {
  /** The client declared elicitation in form mode, and the session lets the wrapper send requests. */
  elicitationForm: boolean;
  /** The client has initialized and the protocol version has server-to-client requests (before 2026-07-28). */
  acceptsRequests: boolean;
  protocolVersion?: string;
}

export interface ClientRequestHandle {
  /** The client's result; rejects with a ClientRequestError for an error answer. */
  answer: Promise<Record<string, unknown>>;
  cancel(reason: string): void;
}

export type CallVerdict = ForwardVerdict | AnswerVerdict;

export interface ForwardVerdict {
  kind: 'forward';
  /** Answer the client with a timeout result and cancel the request at the server after this long. */
  timeoutMs?: number;
  /** Called once with how the call ended. */
  onOutcome?(outcome: CallOutcome): void;
  /**
   * Rewrite the server's answer before the client sees it (redaction). With it, the answer is read
   * whole (a long one is joined and parsed) and this is called once, before onOutcome, with the
   * answer, or with undefined when it cannot be read: such an answer is never forwarded, the client
   * gets an error instead. Returns the answer to send in its place, or undefined to forward the
   * server's bytes unchanged.
   */
  transformAnswer?(answer: ServerAnswer | undefined): ServerAnswer | undefined;
}

/** A server's answer to a request: its result, or its JSON-RPC error. */
export type ServerAnswer = { result: Record<string, unknown> } | { error: JsonRpcErrorObject };

/** A request from the server to the client, as the gate sees it. */
export interface ServerToClientRequest {
  /** the id as the server wrote it */
  id: JsonRpcId;
  method: string;
  /** `params` as the server sent it (undefined when absent) */
  params: unknown;
}

export type ServerRequestVerdict =
  | { kind: 'forward' }
  /** answered to the server with this error (its message prefixed with "policy-wrap: "), never forwarded */
  | { kind: 'refuse'; error: JsonRpcErrorObject };

/** The call is not forwarded; the client gets this answer instead. */
export interface AnswerVerdict {
  kind: 'answer';
  answer: { result: Record<string, unknown> } | { error: JsonRpcErrorObject };
}

export type CallOutcome =
  /** the server answered with a result; isError as the result says */
  | {
      kind: 'result';
      isError: boolean;
      latencyMs: number;
      /** `result.resultType` when the server set it ("incomplete": input required, MCP 2026-07-28) */
      resultType?: string;
      /** `result.requestState` of an incomplete result, echoed by the client's retry */
      requestState?: string;
    }
  /** the server answered with a JSON-RPC error */
  | { kind: 'error'; code: number; latencyMs: number }
  /** the server did not answer within timeoutMs; the client got a timeout result */
  | { kind: 'timeout'; latencyMs: number }
  /** the client cancelled the request */
  | { kind: 'cancelled'; latencyMs: number }
  /**
   * the request never reached the server (child gone, pipe closed, or the client cancelled it while
   * the verdict was pending): any counted budget may be refunded
   */
  | { kind: 'not-forwarded'; reason?: 'server-unreachable' | 'cancelled' }
  /** the server exited before answering */
  | { kind: 'server-exited'; latencyMs: number };

/** A gate that lets everything through unchanged. */
export const allowAllGate: Gate = {
  checkCall: () => ({ kind: 'forward' }),
  filterToolsList: (result) => result,
};
