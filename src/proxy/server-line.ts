import { classifyLine, isId, isObject } from './classify.js';
import type { Envelope } from './envelope.js';
import type { JsonRpcId } from './jsonrpc.js';

/** What the relay needs to know of a line from the server. */
export interface ServerLine {
  kind: 'request' | 'notification' | 'response';
  id: JsonRpcId | null | undefined;
  method: string | undefined;
  hasError: boolean;
  errorCode: number | undefined;
  resultIsError: boolean;
  /** `result.resultType` and `result.requestState`, when strings (an incomplete result) */
  resultType: string | undefined;
  requestState: string | undefined;
  /** The whole message, parsed on first use if the line was only scanned; undefined if it does not parse. */
  parse(): Record<string, unknown> | undefined;
}

/**
 * Reads a server line held whole, by parsing it. Undefined: not JSON-RPC. Long lines never come
 * here unparsed: the splitter hands them over as scanned frames (scannedServerLine), and one that
 * must be read whole (a stray line boundary) is parsed like any other.
 */
export function readServerLine(bytes: Buffer): ServerLine | undefined {
  const classified = classifyLine(bytes);
  if (classified.kind === 'invalid') return undefined;
  const message = classified.message as unknown as Record<string, unknown>;
  const { result, error } = message;
  return {
    kind: classified.kind,
    id: message.id as JsonRpcId | null | undefined,
    method: typeof message.method === 'string' ? message.method : undefined,
    hasError: 'error' in message,
    errorCode: isObject(error) && typeof error.code === 'number' ? error.code : undefined,
    resultIsError: isObject(result) && result.isError === true,
    resultType: isObject(result) && typeof result.resultType === 'string' ? result.resultType : undefined,
    requestState: isObject(result) && typeof result.requestState === 'string' ? result.requestState : undefined,
    parse: () => message,
  };
}

/** A line whose envelope was read as it arrived; `whole` gives its bytes, only if it must be parsed. */
export function scannedServerLine(envelope: Envelope, whole: () => Buffer): ServerLine | undefined {
  if (!envelope.wellFormed || envelope.jsonrpc !== '2.0' || envelope.id === 'unreadable') return undefined;
  const { id, method } = envelope;
  let kind: ServerLine['kind'];
  if (envelope.hasMethod) {
    if (method === undefined) return undefined;
    kind = id === undefined ? 'notification' : 'request';
    if (id === null) return undefined;
  } else {
    if (envelope.hasResult === envelope.hasError) return undefined;
    if (!isId(id) && !(id === null && envelope.hasError)) return undefined;
    kind = 'response';
  }
  let message: Record<string, unknown> | undefined | null = null;
  return {
    kind,
    id,
    method,
    hasError: envelope.hasError,
    errorCode: envelope.errorCode,
    resultIsError: envelope.resultIsError,
    resultType: envelope.resultType,
    requestState: envelope.requestState,
    parse: () => {
      if (message === null) message = parseObject(whole());
      return message;
    },
  };
}

function parseObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
