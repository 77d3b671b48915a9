import { RelayErrorCode, encodeLine, errorAnswer, wrapperError } from './answers.js';
import type { ToolCalls } from './calls.js';
import { classifyLine, hasDuplicateMembers, isBlank, isId, isObject, type Classified } from './classify.js';
import { answerClientError, canReachServer, showId, type RelayContext } from './context.js';
import type { Envelope } from './envelope.js';
import { joinChunks, type Frame } from './framing.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from './jsonrpc.js';
import type { Upstream } from './upstream.js';

/**
 * Client → server. Every line is parsed and judged; what cannot be judged is never forwarded, and
 * whoever can be told (a request with a readable id) gets an error instead.
 */
export class FromClient {
  constructor(
    private readonly context: RelayContext,
    private readonly upstream: Upstream,
    private readonly calls: ToolCalls,
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
    switch (classified.kind) {
      case 'invalid':
        this.invalid(classified);
        return;
      case 'request':
        this.request(classified.message, bytes);
        return;
      case 'notification':
        this.notification(classified.message, bytes);
        return;
      case 'response':
        this.response(classified.message, bytes);
        return;
    }
  }

  private request(message: JsonRpcRequest, bytes: Buffer): void {
    const context = this.context;
    if (context.serverGone !== undefined) {
      answerClientError(context, message.id, {
        code: RelayErrorCode.serverGone,
        message: `${message.method} was not delivered: ${context.serverGone}`,
      });
      return;
    }
    if (this.calls.isGating(message.id) || context.toServer.byClient(message.id)) {
      context.log(`refused ${message.method}: id ${showId(message.id)} is already used by a request in flight`);
      answerClientError(context, message.id, {
        code: RelayErrorCode.invalidRequest,
        message: `id ${showId(message.id)} is already used by a request in flight; not forwarded`,
      });
      return;
    }
    if (message.method === 'tools/call') this.calls.handle(message);
    else this.upstream.sendClientRequest(message, forwardable(bytes, message));
  }

  private notification(message: JsonRpcNotification, bytes: Buffer): void {
    if (message.method === 'tools/call') {
      this.context.log('dropped a tools/call without an id: a notification can be neither judged nor answered');
      return;
    }
    if (message.method === 'notifications/cancelled' && this.cancel(message)) return;
    this.upstream.sendLine(forwardable(bytes, message));
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
    const request = context.toServer.byClient(requestId);
    if (!request) return false;
    context.toServer.abandon(request);
    request.call?.report({ kind: 'cancelled', latencyMs: context.now() - request.call.startedAt });
    if (request.serverId === request.clientId) return false;
    this.upstream.sendLine(encodeLine({ ...message, params: { ...params, requestId: request.serverId } }));
    return true;
  }

  private response(message: JsonRpcResponse, bytes: Buffer): void {
    if (message.id !== null) this.context.toClient.take(message.id);
    this.upstream.sendLine(forwardable(bytes, message));
  }

  private invalid(problem: Extract<Classified, { kind: 'invalid' }>): void {
    this.context.log(`dropped a line from the client: ${problem.reason}`);
    for (const id of problem.answerIds) {
      answerClientError(this.context, id, { code: problem.code, message: `${problem.reason}; not forwarded` });
    }
  }

  /** Too long to judge: dropped. Its envelope says whom to tell, if anyone. */
  private oversize(size: number, envelope: Envelope): void {
    const context = this.context;
    const limit = context.maxMessageBytes;
    context.log(`dropped a ${size}-byte message from the client: over the limit of ${limit} bytes`);
    if (!envelope.wellFormed || !isId(envelope.id)) return;
    const message = `a message of ${size} bytes is over the limit of ${limit} bytes (--max-message-bytes); not forwarded`;
    if (envelope.hasMethod) {
      answerClientError(context, envelope.id, { code: RelayErrorCode.invalidRequest, message });
      return;
    }
    // The client's answer to a server request: the server is told, so it does not wait forever.
    const method = context.toClient.take(envelope.id);
    if (method !== undefined && canReachServer(context)) {
      const error = wrapperError(RelayErrorCode.internalError, `the client's answer to ${method}: ${message}`);
      context.server.writeLine(encodeLine(errorAnswer(envelope.id, error)), context.clientFlow);
    }
  }
}

/**
 * The line as it came, unless a member is repeated (a peer keeping the first of two `method`s would
 * read another message than the one judged here); then the parsed message, re-serialized.
 */
function forwardable(bytes: Buffer, message: object): Buffer {
  return hasDuplicateMembers(bytes, message) ? encodeLine(message) : bytes;
}
