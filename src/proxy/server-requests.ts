import { RelayErrorCode, WrittenId } from './answers.js';
import { isObject } from './classify.js';
import { errorText, showId, type RelayContext } from './context.js';
import type { ServerRequestVerdict, ServerToClientRequest } from './gate.js';
import type { JsonRpcId } from './jsonrpc.js';
import { isPromiseLike } from '../shared/values.js';

/** A request of the server's whose verdict is a pending Promise. */
interface Judging {
  key: JsonRpcId;
  cancelled: boolean;
}

/**
 * The server's requests to the client go through the gate (Gate.checkServerRequest) before they
 * are registered and forwarded. This object alone knows which are still being judged, so that the
 * server can cancel one meanwhile (it then reaches nobody) and one that outlives the server is dropped.
 */
export class ServerRequestChecks {
  private readonly judging = new Set<Judging>();

  constructor(private readonly context: RelayContext) {}

  /**
   * `deliver` forwards the request; a refusal is answered to the server under `idText`, the id
   * exactly as it wrote it. A gate that throws or rejects refuses: nothing unjudged reaches the client.
   */
  check(request: ServerToClientRequest, idText: string, deliver: () => void): void {
    const gate = this.context.gate;
    if (gate.checkServerRequest === undefined) {
      deliver();
      return;
    }
    let verdict: ServerRequestVerdict | Promise<ServerRequestVerdict>;
    try {
      verdict = gate.checkServerRequest(request);
    } catch (error) {
      this.failed(request, idText, error);
      return;
    }
    if (!isPromiseLike(verdict)) {
      this.decide(request, idText, verdict, deliver);
      return;
    }
    const judging: Judging = { key: request.id, cancelled: false };
    this.judging.add(judging);
    verdict.then(
      (settled) => {
        this.judging.delete(judging);
        if (!judging.cancelled) this.decide(request, idText, settled, deliver);
      },
      (error: unknown) => {
        this.judging.delete(judging);
        if (!judging.cancelled) this.failed(request, idText, error);
      },
    );
  }

  /** The server cancelled a request still being judged: it will reach nobody. False when none was. */
  cancel(serverId: JsonRpcId): boolean {
    const key = serverId;
    let found = false;
    for (const judging of this.judging) {
      if (judging.key !== key || judging.cancelled) continue;
      judging.cancelled = true;
      found = true;
    }
    return found;
  }

  /** The server is gone: requests still being judged are dropped when their verdict comes. */
  gone(): void {
    for (const judging of this.judging) judging.cancelled = true;
    this.judging.clear();
  }

  private decide(request: ServerToClientRequest, idText: string, verdict: ServerRequestVerdict, deliver: () => void): void {
    if (isObject(verdict) && verdict.kind === 'forward') {
      deliver();
      return;
    }
    if (!isObject(verdict) || verdict.kind !== 'refuse' || !isObject(verdict.error) || typeof verdict.error.code !== 'number') {
      this.failed(request, idText, new Error(`unknown verdict ${JSON.stringify(verdict)}`));
      return;
    }
    this.context.log(`refused the server's ${request.method} (id ${showId(request.id)}): ${errorText(verdict.error.message)}`);
    this.context.server.answerError(new WrittenId(idText), verdict.error, this.context.serverFlow);
  }

  private failed(request: ServerToClientRequest, idText: string, error: unknown): void {
    this.context.log(`the policy check of the server's ${request.method} (id ${showId(request.id)}) failed, not forwarded: ${errorText(error)}`);
    const message = `the policy check of ${request.method} failed; the request was not forwarded to the client`;
    this.context.server.answerError(new WrittenId(idText), { code: RelayErrorCode.internalError, message }, this.context.serverFlow);
  }
}
