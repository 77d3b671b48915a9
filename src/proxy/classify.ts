import { isUtf8 } from 'node:buffer';
import { isJsonSpace } from './json-bytes.js';
import {
  JsonRpcErrorCode,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from './jsonrpc.js';
import { isObject } from '../shared/values.js';

export { isObject };

/** One line, judged: a JSON-RPC 2.0 message of a known kind, or the reason it is not one. */
export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | {
      kind: 'invalid';
      code: typeof JsonRpcErrorCode.parseError | typeof JsonRpcErrorCode.invalidRequest;
      reason: string;
      /** who may be told: ids of request-like messages (null when a request's id was unreadable) */
      answerIds: (JsonRpcId | null)[];
    };

type Json = Record<string, unknown>;

/** Empty and whitespace-only lines carry nothing and are skipped without a word. */
export function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (!isJsonSpace(byte)) return false;
  }
  return true;
}

export function classifyLine(bytes: Buffer): Classified {
  // JSON travels as UTF-8; bytes another decoder might read differently are refused, not guessed at.
  if (!isUtf8(bytes)) return parseError('not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return parseError('not JSON');
  }
  if (Array.isArray(value)) {
    const answerIds = value.flatMap((item) => (isObject(item) ? requestIds(item) : []));
    return invalid('a JSON-RPC batch (batches are not part of MCP since 2025-06-18)', answerIds.filter(isId));
  }
  if (!isObject(value)) return invalid('not a JSON object', []);
  return classifyObject(value);
}

function classifyObject(value: Json): Classified {
  if (value.jsonrpc !== '2.0') return invalid('"jsonrpc" is not "2.0"', requestIds(value));
  const id = readId(value);
  if ('method' in value) {
    if (typeof value.method !== 'string') return invalid('"method" is not a string', requestIds(value));
    if (id === 'invalid') return invalid('"id" is not a string or a number', [null]);
    if ('params' in value && (typeof value.params !== 'object' || value.params === null)) {
      return invalid('"params" is not an object or an array', requestIds(value));
    }
    if (id === 'absent') return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  const hasResult = 'result' in value;
  const hasError = 'error' in value;
  if (hasResult === hasError) return invalid('neither a request, a notification nor a response', []);
  if (hasError && !isErrorObject(value.error)) return invalid('"error" is not a JSON-RPC error object', []);
  const idOk = id !== 'invalid' && id !== 'absent';
  if (!idOk && !(hasError && value.id === null)) return invalid('a response without a usable "id"', []);
  return { kind: 'response', message: value as unknown as JsonRpcResponse };
}

/** Absent is the only "no id": 0 and "" are ids. */
export function readId(value: Json): JsonRpcId | 'absent' | 'invalid' {
  if (!('id' in value)) return 'absent';
  return isId(value.id) ? value.id : 'invalid';
}

export function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The id to answer an unusable message with: only for something that looks like a request. */
function requestIds(value: Json): (JsonRpcId | null)[] {
  if (!('method' in value)) return [];
  const id = readId(value);
  if (id === 'absent') return [];
  return [id === 'invalid' ? null : id];
}

function isErrorObject(value: unknown): boolean {
  return isObject(value) && typeof value.code === 'number' && typeof value.message === 'string';
}

function parseError(reason: string): Classified {
  return { kind: 'invalid', code: JsonRpcErrorCode.parseError, reason, answerIds: [null] };
}

function invalid(reason: string, answerIds: (JsonRpcId | null)[]): Classified {
  return { kind: 'invalid', code: JsonRpcErrorCode.invalidRequest, reason, answerIds };
}
