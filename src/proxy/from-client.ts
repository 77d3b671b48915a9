import { oneLine, shown } from '../shared/shown.js';
import { RelayErrorCode, WrittenId, encodeLine } from './answers.js';
import type { ToolCalls } from './calls.js';
import { classifyLine, isBlank, isId, isObject, type Classified } from './classify.js';
import { checkClientLine, type ClientLineCheck } from './client-line.js';
import { showId, type RelayContext } from './context.js';
import type { Envelope } from './envelope.js';
import { JUDGED_METHODS } from './gate.js';
import { joinChunks, type Frame } from './framing.js';
import type { JsonRpcId, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from './jsonrpc.js';
import { lineWithId } from './id-span.js';
import { withoutLineBreaks } from './line-breaks.js';
import { isCanonicalNumber } from './numbers.js';
import type { TaskDeadlines } from './task-deadlines.js';
import { ClientRequestError } from './client-side.js';
import type { WrapperClientRequest } from './pending.js';

/** A client line that may be forwarded: its bytes as they will leave, and what reading them found. */
export interface ClientLine {
  bytes: Buffer;
  check: ClientLineCheck;
}

/**
 * Client → server. Every line is parsed and judged; what cannot be judged is never forwarded, and
 * whoever can be told (a request with a readable id) gets an error instead. What is forwarded means
 * one thing to every reader: no line boundary but its end (see line-breaks.ts), no member name
 * twice or in two cases (member-names.ts), no nesting past MAX_NESTING_DEPTH, and in a judged
 * call no number read differently by an exact reader (numbers.ts).
 */
export class FromClient {
  constructor(
    private readonly context: RelayContext,
    private readonly calls: ToolCalls,
    private readonly tasks: TaskDeadlines,
  ) {}

  frame(frame: Frame): void {
    if (frame.kind === 'oversize') {
      this.oversize(frame.size, frame.envelope);
      return;
    }
    // Every client line is parsed: the relay reads the client without a scan threshold, so lines
    // come whole; were one handed over in chunks, it is joined here.
    const bytes = frame.kind === 'line' ? frame.bytes : joinChunks(frame);
    if (isBlank(bytes)) return;
    const classified = classifyLine(bytes);
    if (classified.kind === 'invalid') {
      this.invalid(classified, bytes);
      return;
    }
    // Valid JSON, so a raw \r is whitespace and can go; U+2028 and its kin are escaped.
    const wire = withoutLineBreaks(bytes);
    const line: ClientLine = { bytes: wire, check: checkClientLine(wire) };
    const refusal = line.check.refusal ?? (classified.kind === 'request' ? idProblem(line.check.idText) : undefined);
    if (refusal !== undefined) {
      this.refuse(classified, line.check, refusal);
      return;
    }
    switch (classified.kind) {
      case 'request':
        this.request(classified.message, line);
        return;
      case 'notification':
        this.notification(classified.message, line);
        return;
      case 'response':
        this.response(classified.message, line);
        return;
    }
  }

  private request(message: JsonRpcRequest, line: ClientLine): void {
    const context = this.context;
    if (context.server.gone !== undefined) {
      context.client.answerError(message.id, {
        code: RelayErrorCode.serverGone,
        message: `${message.method} was not delivered: ${context.server.gone}`,
      });
      return;
    }
    if (this.calls.isGating(message.id) || context.server.clientRequest(message.id)) {
      context.log(`refused ${shown(message.method)}: id ${showId(message.id)} is already used by a request in flight`);
      context.client.answerError(message.id, {
        code: RelayErrorCode.invalidRequest,
        message: `id ${showId(message.id)} is already used by a request in flight; not forwarded`,
      });
      return;
    }
    if (message.method === 'initialize') context.client.noteInitialize(message.params);
    if (message.method === 'tools/call') this.calls.handle(message, line);
    else if (JUDGED_METHODS.has(message.method)) this.calls.handleRequest(message, line);
    else if (message.method === 'tasks/result' && this.tasks.result(message, line)) return;
    else this.context.server.forward(message, line);
  }

  private notification(message: JsonRpcNotification, line: ClientLine): void {
    if (message.method === 'tools/call' || JUDGED_METHODS.has(message.method)) {
      this.context.log(`dropped a ${message.method} without an id: a notification can be neither judged nor answered`);
      return;
    }
    if (message.method === 'notifications/cancelled' && this.cancel(message)) return;
    this.context.server.send(line.bytes);
  }

  /** True when the cancellation was handled here and must not be forwarded as it is. */
  private cancel(message: JsonRpcNotification): boolean {
    const context = this.context;
    const params = isObject(message.params) ? message.params : undefined;
    const requestId = params?.requestId;
    if (!isId(requestId)) return false;
    if (this.calls.cancelGating(requestId)) {
      context.log(`tools/call ${showId(requestId)} was cancelled by the client before its verdict; not forwarded`);
      return true;
    }
    // A client may cancel only its own requests in flight: not the wrapper's, not one long answered.
    const request = context.server.clientRequest(requestId);
    if (!request) {
      context.log(`dropped a cancellation of ${showId(requestId)}: no request of the client's with that id is in flight`);
      return true;
    }
    context.server.abandon(request);
    request.call?.report({ kind: 'cancelled', latencyMs: context.now() - request.call.startedAt });
    this.context.server.send(encodeLine({ ...message, params: { ...params, requestId: request.serverId } }));
    return true;
  }

  /** The client answers a request of the server's: under the id the server gave it, or not at all. */
  private response(message: JsonRpcResponse, line: ClientLine): void {
    if (message.id === null) {
      this.context.server.send(line.bytes);
      return;
    }
    const request = this.context.client.takeAnswered(message.id);
    if (request === undefined) {
      this.context.log(`dropped the client's answer to id ${showId(message.id)}: no request of the server's with that id is waiting`);
      return;
    }
    if (request.origin === 'wrapper') {
      settleWrapperRequest(request, message);
      return;
    }
    this.context.server.send(lineWithId(line.bytes, line.check.idSpan!, { json: request.serverIdText }));
  }

  private invalid(problem: Extract<Classified, { kind: 'invalid' }>, bytes: Buffer): void {
    this.context.log(`dropped a line from the client: ${problem.reason}`);
    // An id JSON.parse cannot hold (1e400) is answered as written, when the line is JSON at all.
    const written = problem.code === RelayErrorCode.invalidRequest && problem.answerIds.includes(null) ? writtenId(checkClientLine(bytes).idText) : undefined;
    for (const id of problem.answerIds) {
      this.context.client.answerError(id ?? written ?? null, { code: problem.code, message: `${problem.reason}; not forwarded` });
    }
  }

  /** Valid JSON-RPC, but not something every reader reads alike: never forwarded. */
  private refuse(classified: Exclude<Classified, { kind: 'invalid' }>, check: ClientLineCheck, reason: string): void {
    const context = this.context;
    const message = classified.message;
    const what = 'method' in message ? shown(message.method) : 'a response';
    context.log(`refused ${what} from the client: ${oneLine(reason)}`);
    const text = `${reason}; not forwarded`;
    if (classified.kind === 'request') {
      context.client.answerError(writtenId(check.idText) ?? classified.message.id, { code: RelayErrorCode.invalidRequest, message: text });
    } else if (classified.kind === 'response' && classified.message.id !== null) {
      this.tellServer(classified.message.id, text);
    }
  }

  /** The client's answer to a server request could not be forwarded: the server is told, so it does not wait forever. */
  private tellServer(id: JsonRpcId, text: string): void {
    const context = this.context;
    const request = context.client.takeAnswered(id);
    if (request === undefined) return;
    if (request.origin === 'wrapper') {
      request.reject(new Error(`the client's answer to ${request.method}: ${text}`));
      return;
    }
    context.server.answerError(new WrittenId(request.serverIdText), { code: RelayErrorCode.internalError, message: `the client's answer to ${request.method}: ${text}` }, context.clientFlow);
  }

  /** Too long to judge: dropped. Its envelope says whom to tell, if anyone. */
  private oversize(size: number, envelope: Envelope): void {
    const context = this.context;
    const limit = context.maxMessageBytes;
    context.log(`dropped a ${size}-byte message from the client: over the limit of ${limit} bytes`);
    if (!envelope.wellFormed || !isId(envelope.id)) return;
    const message = `a message of ${size} bytes is over the limit of ${limit} bytes (--max-message-bytes); not forwarded`;
    if (envelope.hasMethod) {
      context.client.answerError(envelope.id, { code: RelayErrorCode.invalidRequest, message });
      return;
    }
    this.tellServer(envelope.id, message);
  }
}

/** The client answered a request of the wrapper's own: its result, or its error as a ClientRequestError. */
function settleWrapperRequest(request: WrapperClientRequest, message: JsonRpcResponse): void {
  if ('error' in message && isObject(message.error)) {
    const { code, message: text } = message.error as { code?: unknown; message?: unknown };
    request.reject(new ClientRequestError(request.method, typeof code === 'number' ? code : 0, typeof text === 'string' ? text : 'no message'));
  } else if ('result' in message && isObject(message.result)) request.resolve(message.result);
  else request.reject(new Error(`the client answered ${request.method} with something that is not a result object`));
}

/** Why a request's numeric id cannot be echoed exactly as written by an answer built from JSON.parse's reading. */
function idProblem(idText: string | undefined): string | undefined {
  if (idText === undefined || isCanonicalNumber(idText)) return undefined;
  return `the id ${idText} is not written as the number it reads as (${Number(idText)}); use a string, or an integer up to 2^53`;
}

function writtenId(idText: string | undefined): WrittenId | undefined {
  return idText === undefined || isCanonicalNumber(idText) ? undefined : new WrittenId(idText);
}
