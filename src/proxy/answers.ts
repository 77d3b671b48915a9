import { withoutLineBreaks } from './line-breaks.js';
import {
  JsonRpcErrorCode,
  type JsonRpcErrorObject,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcResultResponse,
} from './jsonrpc.js';

/**
 * The wrapper's own error codes beside the standard ones. `-32000` is what the MCP SDK itself uses
 * for a closed connection, so clients already treat it as "the server is gone".
 */
export const RelayErrorCode = {
  ...JsonRpcErrorCode,
  serverGone: -32000,
  /** MCP's RequestTimeout (the TypeScript SDK's ErrorCode.RequestTimeout). */
  requestTimeout: -32001,
} as const;

export function errorAnswer(id: JsonRpcId | null, error: JsonRpcErrorObject): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error };
}

export function resultAnswer(id: JsonRpcId, result: Record<string, unknown>): JsonRpcResultResponse {
  return { jsonrpc: '2.0', id, result };
}

/** One error object, message prefixed so a person reading the client's log knows who said it. */
export function wrapperError(code: number, message: string): JsonRpcErrorObject {
  return { code, message: `policy-wrap: ${message}` };
}

/** What the client gets when a forwarded call outlives its timeout. */
export function timeoutResult(tool: string, timeoutMs: number): Record<string, unknown> {
  const seconds = Number((timeoutMs / 1000).toFixed(3));
  return {
    content: [{ type: 'text', text: `Timed out: ${tool} did not answer within ${seconds} s; the request was cancelled.` }],
    isError: true,
  };
}

/** What the client gets when a forwarded request other than tools/call outlives its timeout (the SDK's RequestTimeout code). */
export function timeoutError(method: string, timeoutMs: number): JsonRpcErrorObject {
  const seconds = Number((timeoutMs / 1000).toFixed(3));
  return { code: RelayErrorCode.requestTimeout, message: `Timed out: ${method} got no answer within ${seconds} s; the request was cancelled.` };
}

export function cancelledNotification(requestId: JsonRpcId, reason: string): JsonRpcNotification {
  return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } };
}

/**
 * A message as one protocol line, with no line boundary a reader could split it at (JSON.stringify
 * leaves U+0085, U+2028 and U+2029 raw). Callers encode only messages whose nesting was checked.
 */
export function encodeLine(message: unknown): Buffer {
  return withoutLineBreaks(Buffer.from(`${JSON.stringify(message)}\n`, 'utf8'));
}

/**
 * A numeric id as the client wrote it, when no double writes it back the same (`1.0`,
 * `9007199254740993`, `1e400`): the answer must carry exactly the client's digits.
 */
export class WrittenId {
  constructor(readonly text: string) {}
}

/** An error answer to an id that may be a WrittenId. */
export function encodeErrorAnswer(id: JsonRpcId | null | WrittenId, error: JsonRpcErrorObject): Buffer {
  if (!(id instanceof WrittenId)) return encodeLine(errorAnswer(id, error));
  return withoutLineBreaks(Buffer.from(`{"jsonrpc":"2.0","id":${id.text},"error":${JSON.stringify(error)}}\n`, 'utf8'));
}
