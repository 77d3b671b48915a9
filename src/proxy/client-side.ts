import { encodeErrorAnswer, encodeLine, resultAnswer, wrapperError, type WrittenId } from './answers.js';
import type { JsonRpcId } from './jsonrpc.js';
import type { Flow, Outlet } from './outlet.js';
import { ClientBoundRequests, type ServerRequest } from './pending.js';

/**
 * The client's side of the relay, owned by one object: its output, and the server's requests in
 * flight at the client under ids this side chose. Nothing else writes to the client or touches
 * those ids.
 */
export class ClientSide {
  private readonly pending = new ClientBoundRequests();

  constructor(
    private readonly outlet: Outlet,
    /** reading from the client: slowed down when the wrapper's own answers fill the client's pipe */
    private readonly clientFlow: Flow,
  ) {}

  /** A line for the client; `flow` is the direction to slow down while the client's pipe is full. */
  write(line: Buffer, flow: Flow | undefined): void {
    this.outlet.writeLine(line, flow);
  }

  /** A long line held as the chunks it came in. */
  writeChunks(chunks: readonly Buffer[], flow: Flow | undefined): void {
    this.outlet.writeChunks(chunks, flow);
  }

  /** The wrapper answers a request of the client's with an error. `flow` is the direction whose reading led here. */
  answerError(id: JsonRpcId | null | WrittenId, error: { code: number; message: string }, flow: Flow = this.clientFlow): void {
    this.outlet.writeLine(encodeErrorAnswer(id, wrapperError(error.code, error.message)), flow);
  }

  answerResult(id: JsonRpcId, result: Record<string, unknown>): void {
    this.outlet.writeLine(encodeLine(resultAnswer(id, result)), this.clientFlow);
  }

  /** A request of the server's goes to the client: the id the client is to see. */
  register(request: ServerRequest): number {
    return this.pending.add(request);
  }

  /** The server's request the client's answer under `clientId` is for, no longer pending. */
  takeAnswered(clientId: JsonRpcId): ServerRequest | undefined {
    return this.pending.take(clientId);
  }

  /** The server cancelled its request: the id the client knows it by, if it was pending. */
  cancelled(serverId: JsonRpcId): number | undefined {
    return this.pending.cancel(serverId);
  }

  /** The server is gone: none of its requests can be answered any more. */
  forgetServerRequests(): void {
    this.pending.clear();
  }

  end(): void {
    this.outlet.end();
  }
}
