import type { Envelope } from '../../../src/proxy/envelope.js';

/** What the envelope should say, computed with JSON.parse. */
export function expected(message: Record<string, unknown>): Envelope {
  const result = message.result as Record<string, unknown> | undefined;
  const error = message.error as Record<string, unknown> | undefined;
  const id = message.id;
  return {
    wellFormed: true,
    jsonrpc: typeof message.jsonrpc === 'string' ? message.jsonrpc : undefined,
    id: !('id' in message) ? undefined : id === null || typeof id === 'string' || typeof id === 'number' ? id : 'unreadable',
    method: typeof message.method === 'string' ? message.method : undefined,
    hasMethod: 'method' in message,
    hasResult: 'result' in message,
    hasError: 'error' in message,
    resultIsError: typeof result === 'object' && result !== null && result.isError === true,
    resultType: typeof result?.resultType === 'string' ? result.resultType : undefined,
    requestState: typeof result?.requestState === 'string' ? result.requestState : undefined,
    errorCode: typeof error?.code === 'number' ? error.code : undefined,
  };
}
