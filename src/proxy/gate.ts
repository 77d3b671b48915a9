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
  /** The server said `notifications/tools/list_changed`. */
  toolsListChanged?(): void;
  /** The client cancelled a call whose verdict was still pending (or the session ended before it came). */
  callAbandoned?(id: JsonRpcId): void;
  /**
   * Called once by the relay with a function that tells the client its tool list changed. The gate
   * calls it when the tools the client may see change without the server's doing (a reloaded
   * policy hides or shows a tool the server listed).
   */
  watchVisibleTools?(tellClient: () => void): void;
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
}

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
