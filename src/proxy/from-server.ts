import { prefixOf, shown } from '../shared/shown.js';
import { RelayErrorCode, encodeErrorAnswer, encodeLine, errorAnswer, resultAnswer, wrapperError } from './answers.js';
import { isBlank, isId, isObject } from './classify.js';
import { errorText, showId, type RelayContext } from './context.js';
import type { Envelope } from './envelope.js';
import { joinChunks, type Frame } from './framing.js';
import { firstBytes } from './chunks.js';
import { bodyWithId, idSpanOfLine, textAt, type IdSpan } from './id-span.js';
import { withoutLineBreaks } from './line-breaks.js';
import { MAX_NESTING_DEPTH } from './nesting.js';
import { shapeOf, type Shape } from './shape.js';
import { FILTERED_LISTS, type CallOutcome, type ServerAnswer } from './gate.js';
import type { JsonRpcErrorObject, JsonRpcId } from './jsonrpc.js';
import type { ClientRequest, TrackedCall, WrapperRequest } from './pending.js';
import { ServerRequestChecks } from './server-requests.js';
import { readServerLine, scannedServerLine, type ServerLine } from './server-line.js';
import { ServerRequestError } from './server-side.js';

const TEXT_PREVIEW_CHARS = 400;

/** A line as it came: one buffer, or the chunks of a long line that was scanned, not joined. */
type Body = Buffer | readonly Buffer[];

/**
 * Server → client. Everything that is JSON-RPC is forwarded in order and unchanged, except answers
 * the wrapper must rewrite (a filtered `tools/list`, an id it remapped) or keep (its own requests,
 * abandoned requests). Anything else the server prints on stdout goes to stderr instead.
 */
export class FromServer {
  private readonly requestChecks: ServerRequestChecks;

  constructor(private readonly context: RelayContext) {
    this.requestChecks = new ServerRequestChecks(context);
  }

  frame(frame: Frame): void {
    if (frame.kind === 'oversize') {
      this.oversize(frame.size, frame.envelope);
      return;
    }
    if (frame.kind === 'scanned') {
      const shape = frame.shape ?? { depth: 0, mayBreak: true };
      let whole: Buffer | undefined;
      const join = (): Buffer => (whole ??= joinChunks(frame));
      // A stray line boundary is rare in a long answer: then it is read whole and made safe.
      if (shape.mayBreak) {
        this.whole(join(), shape);
        return;
      }
      const line = scannedServerLine(frame.envelope, join);
      if (line === undefined) {
        if (!frame.chunks.every(isBlank)) this.text(firstBytes(frame.chunks, TEXT_PREVIEW_CHARS * 4), frame.size);
      } else if (shape.depth > MAX_NESTING_DEPTH) this.tooDeep(line);
      else this.route(line, frame.chunks);
      return;
    }
    this.whole(frame.bytes, frame.shape);
  }

  /**
   * A line held as one buffer (a short line, or a long one that may hold a stray line boundary):
   * parsed, made free of stray line boundaries.
   */
  private whole(bytes: Buffer, known: Shape | undefined): void {
    if (isBlank(bytes)) return;
    const line = readServerLine(bytes);
    if (line === undefined) {
      this.text(bytes, bytes.length);
      return;
    }
    const shape = known ?? shapeOf(bytes);
    if (shape.depth > MAX_NESTING_DEPTH) this.tooDeep(line);
    // Parsed, so valid JSON: the rewrite keeps its meaning.
    else this.route(line, shape.mayBreak ? withoutLineBreaks(bytes) : bytes);
  }

  private route(line: ServerLine, body: Body): void {
    if (line.kind === 'response') this.response(line, body);
    else if (line.kind === 'request') this.request(line, body);
    else this.notification(line, body);
  }

  /** Every request still waiting for the server is answered now; later ones are refused at once. */
  gone(reason: string): void {
    const context = this.context;
    const inFlight = context.server.markGone(reason);
    if (inFlight === undefined) return;
    this.requestChecks.gone();
    for (const request of inFlight) {
      if (request.origin === 'wrapper') {
        request.reject(new Error(`${request.method}: ${reason} before answering`));
        continue;
      }
      request.call?.report({ kind: 'server-exited', latencyMs: context.now() - request.call.startedAt });
      context.client.answerError(
        request.clientId,
        { code: RelayErrorCode.serverGone, message: `${reason} before answering ${request.method}` },
        context.serverFlow,
      );
    }
    context.client.forgetServerRequests();
  }

  private response(line: ServerLine, body: Body): void {
    const context = this.context;
    if (line.id === null) {
      // The server could not read something (a parse error): nobody's request in particular.
      this.forward(body);
      return;
    }
    const request = isId(line.id) ? context.server.takeAnswered(line.id) : undefined;
    if (request === undefined) {
      context.log(`dropped the server's answer to id ${showId(line.id as JsonRpcId)}: no request with that id is waiting (timed out, cancelled, or never sent)`);
      return;
    }
    if (request.origin === 'wrapper') {
      settleWrapperRequest(request, line);
      return;
    }
    // Rewritten (redacted) before the outcome is reported, so that the report can say what was replaced.
    const rewritten = request.call?.transform === undefined ? undefined : this.transformed(request, request.call.transform, line);
    if (request.call) {
      request.call.report(callOutcome(line, context.now() - request.call.startedAt));
      const task = request.call.onTask && !line.hasError ? line.parse()?.result : undefined;
      if (isObject(task) && isObject(task.task) && typeof task.task.taskId === 'string') request.call.onTask!(task.task.taskId);
    }
    if (request.method === 'initialize' && !line.hasError) {
      const result = line.parse()?.result;
      context.client.noteProtocolVersion(isObject(result) ? result.protocolVersion : undefined);
    }
    if (rewritten !== undefined) this.forward(rewritten);
    else if (request.method === 'tools/list' && !line.hasError) this.list(request, line, body, (result) => this.toolsList(result, bodySize(body)));
    else if (FILTERED_LISTS.has(request.method) && !line.hasError && this.context.gate.filterList !== undefined) {
      this.list(request, line, body, (result) => this.context.gate.filterList!(request.method, result));
    } else this.restored(request, body);
  }

  /**
   * An answer the gate rewrites (redaction), read whole: the line to send instead, or undefined to
   * send the server's bytes. An answer that cannot be read, or that the gate fails on, is never
   * forwarded: the client gets an error.
   */
  private transformed(request: ClientRequest, transform: NonNullable<TrackedCall['transform']>, line: ServerLine): Buffer | undefined {
    const answer = answerOf(line.parse());
    let next: ServerAnswer | undefined;
    try {
      next = transform(answer);
    } catch (error) {
      this.context.log(`the policy failed to check the server's answer to ${request.method} (id ${showId(request.clientId)}), not forwarded: ${errorText(error)}`);
      return this.errorLine(request, `the policy failed to check the answer to ${request.method}; it was not forwarded`);
    }
    if (answer === undefined) {
      this.context.log(`the server's answer to ${request.method} (id ${showId(request.clientId)}) could not be read for redaction; not forwarded`);
      return this.errorLine(request, `the server's answer to ${request.method} could not be read to redact it, so it was not forwarded`);
    }
    if (next === undefined) return undefined;
    return encodeLine('error' in next ? errorAnswer(request.clientId, next.error) : resultAnswer(request.clientId, next.result));
  }

  private errorLine(request: ClientRequest, message: string): Buffer {
    return encodeErrorAnswer(request.clientId, wrapperError(RelayErrorCode.internalError, message));
  }

  /**
   * A tools, resource, template or prompt list as the policy filtered it; as the server wrote it
   * when nothing is left out. `filter` returns undefined for a list it leaves as it is.
   */
  private list(request: ClientRequest, line: ServerLine, body: Body, filter: (result: Record<string, unknown>) => Record<string, unknown> | undefined): void {
    const result = line.parse()?.result;
    if (!isObject(result)) {
      this.answerError(request, `the server answered ${request.method} with something that is not a result object`);
      return;
    }
    let filtered: Record<string, unknown> | undefined;
    try {
      filtered = filter(result);
    } catch (error) {
      this.context.log(`the policy failed to filter ${request.method}: ${errorText(error)}`);
      this.answerError(request, `the policy failed to filter ${request.method}`);
      return;
    }
    if (filtered === undefined) this.restored(request, body);
    else this.forward(encodeLine({ jsonrpc: '2.0', id: request.clientId, result: filtered }));
  }

  /** The gate's tool list; undefined when it is the server's own, which then goes on as its bytes. */
  private toolsList(result: Record<string, unknown>, bytes: number): Record<string, unknown> | undefined {
    const filtered = this.context.gate.filterToolsList(result, bytes);
    return filtered === result ? undefined : filtered;
  }

  /** The answer as the server wrote it, with the id the client used in place of the wrapper's. */
  private restored(request: ClientRequest, body: Body): void {
    const found = idIn(body);
    if (found === undefined || found.text !== JSON.stringify(request.serverId)) {
      this.answerError(request, `the server's answer to ${request.method} carries its id in a way the wrapper cannot read`);
      return;
    }
    this.forward(bodyWithId(body, found.span, request.clientId));
  }

  /** A request from the server reaches the client under an id of the wrapper's choosing. */
  private request(line: ServerLine, body: Body): void {
    const serverId = line.id as JsonRpcId;
    const found = idIn(body);
    if (found === undefined || !sameId(found.text, serverId)) {
      this.undeliverable({ id: serverId, request: true, method: line.method }, 'its id could not be read where the wrapper looks for it; not forwarded');
      return;
    }
    const method = line.method!;
    const deliver = (): void => {
      // The server may have gone while a verdict was pending: its request is then answered by nobody.
      if (this.context.server.gone !== undefined) return;
      const clientId = this.context.client.register({ origin: 'server', serverId, serverIdText: found.text, method });
      this.forward(bodyWithId(body, found.span, clientId));
    };
    const params = this.context.gate.checkServerRequest === undefined ? undefined : line.parse()?.params;
    this.requestChecks.check({ id: serverId, method, params }, found.text, deliver);
  }

  private notification(line: ServerLine, body: Body): void {
    if (line.method === 'notifications/tools/list_changed') {
      try {
        this.context.gate.toolsListChanged?.();
      } catch (error) {
        this.context.log(`the policy failed to take note of a changed tool list: ${errorText(error)}`);
      }
    } else if (line.method === 'notifications/cancelled') {
      // The server cancels its own request: the client knows it by the id the wrapper gave it.
      const message = line.parse();
      const params = isObject(message?.params) ? message.params : undefined;
      const clientId = params && isId(params.requestId) ? this.context.client.cancelled(params.requestId) : undefined;
      if (clientId === undefined && params && isId(params.requestId) && this.requestChecks.cancel(params.requestId)) {
        this.context.log('the server cancelled a request of its own still being judged; it reaches nobody');
        return;
      }
      if (clientId === undefined || message === undefined) {
        this.context.log('dropped a cancellation from the server: no request of its own with that id is waiting for the client');
        return;
      }
      this.forward(encodeLine({ ...message, params: { ...params, requestId: clientId } }));
      return;
    }
    this.forward(body);
  }

  /** Not JSON-RPC (some servers print progress text on stdout): shown on stderr, never forwarded. */
  private text(head: Buffer, size: number): void {
    const text = head.toString('utf8', 0, Math.min(head.length, size, TEXT_PREVIEW_CHARS * 4));
    const cut = text.length > TEXT_PREVIEW_CHARS || size > TEXT_PREVIEW_CHARS * 4;
    const preview = shown(prefixOf(text, TEXT_PREVIEW_CHARS), TEXT_PREVIEW_CHARS);
    this.context.log(`server stdout (not JSON-RPC, not forwarded): ${preview}${cut ? `… (${size} bytes)` : ''}`);
  }

  private oversize(size: number, envelope: Envelope): void {
    const limit = this.context.maxMessageBytes;
    this.context.log(`dropped a ${size}-byte message from the server: over the limit of ${limit} bytes`);
    const id = envelope.wellFormed ? envelope.id : undefined;
    if (!envelope.wellFormed || !isId(id)) {
      // Not a JSON-RPC message whose id we could read, so not an answer: nothing to guess.
      this.context.log('it carried no readable id; no request is answered for it');
      return;
    }
    const reason = `a message of ${size} bytes is over the limit of ${limit} bytes (--max-message-bytes) and was dropped`;
    this.undeliverable({ id, request: envelope.hasMethod, method: envelope.method }, reason);
  }

  /** Too deep for some reader on the client's side (and for the wrapper's encoder): never forwarded. */
  private tooDeep(line: ServerLine): void {
    const reason = `it nests deeper than ${MAX_NESTING_DEPTH} levels and was dropped`;
    this.context.log(`dropped a message from the server: ${reason}`);
    if (line.kind === 'notification' || !isId(line.id)) return;
    this.undeliverable({ id: line.id, request: line.kind === 'request', method: line.method }, reason);
  }

  /**
   * A message from the server that cannot be forwarded: whoever waits for it is told. A request's
   * sender (the server) gets an error; a response's request, the client's or the wrapper's own, fails.
   */
  private undeliverable(message: { id: JsonRpcId; request: boolean; method: string | undefined }, reason: string): void {
    const context = this.context;
    const { id } = message;
    if (message.request) {
      context.server.answerError(id, { code: RelayErrorCode.invalidRequest, message: `${message.method ?? 'the request'}: ${reason}` }, context.serverFlow);
      return;
    }
    const request = context.server.takeAnswered(id);
    if (request === undefined) return;
    const text = `the server's answer to ${request.method}: ${reason}`;
    if (request.origin === 'wrapper') {
      request.reject(new Error(text));
      return;
    }
    request.call?.report({ kind: 'error', code: RelayErrorCode.internalError, latencyMs: context.now() - request.call.startedAt });
    context.client.answerError(request.clientId, { code: RelayErrorCode.internalError, message: text }, context.serverFlow);
  }

  private answerError(request: ClientRequest, message: string): void {
    this.context.client.answerError(request.clientId, { code: RelayErrorCode.internalError, message }, this.context.serverFlow);
  }

  private forward(body: Body): void {
    if (Buffer.isBuffer(body)) this.context.client.write(body, this.context.serverFlow);
    else this.context.client.writeChunks(body as readonly Buffer[], this.context.serverFlow);
  }
}

/** The answer a parsed response carries; undefined when it has neither a result object nor a well-formed error. */
function answerOf(message: Record<string, unknown> | undefined): ServerAnswer | undefined {
  if (message === undefined) return undefined;
  const { error, result } = message;
  if ('error' in message) return isObject(error) && typeof error.code === 'number' && typeof error.message === 'string' ? { error: error as unknown as JsonRpcErrorObject } : undefined;
  return isObject(result) ? { result } : undefined;
}

function callOutcome(line: ServerLine, latencyMs: number): CallOutcome {
  if (line.hasError) return { kind: 'error', code: line.errorCode ?? RelayErrorCode.internalError, latencyMs };
  const { resultType, requestState } = line;
  return {
    kind: 'result',
    isError: line.resultIsError,
    latencyMs,
    ...(resultType === undefined ? {} : { resultType }),
    ...(requestState === undefined ? {} : { requestState }),
  };
}

function settleWrapperRequest(request: WrapperRequest, line: ServerLine): void {
  const message = line.parse();
  if (line.hasError) {
    const error = message?.error as JsonRpcErrorObject | undefined;
    request.reject(new ServerRequestError(request.method, error ?? { code: RelayErrorCode.internalError, message: 'unreadable error' }));
  } else if (isObject(message?.result)) request.resolve(message.result);
  else request.reject(new Error(`${request.method}: the server's answer has no result object`));
}

/** Whether JSON text read from a line is the id the line was parsed as. */
function sameId(text: string, id: JsonRpcId): boolean {
  try {
    return JSON.parse(text) === id;
  } catch {
    return false;
  }
}

function bodySize(body: Body): number {
  return Buffer.isBuffer(body) ? body.length : body.reduce((total, chunk) => total + chunk.length, 0);
}

/** Where a line's top-level id is, and its JSON text as written. */
function idIn(body: Body): { span: IdSpan; text: string } | undefined {
  const span = idSpanOfLine(body, bodySize(body));
  return span && { span, text: textAt(body, span) };
}
