import type { Readable, Writable } from 'node:stream';
import { encodeLine } from './answers.js';
import { ToolCalls } from './calls.js';
import { errorText, realTimers, type RelayContext, type Timers } from './context.js';
import { LineSplitter, type Frame, type SplitterOptions } from './framing.js';
import { FromClient } from './from-client.js';
import { FromServer } from './from-server.js';
import type { Gate } from './gate.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-size.js';
import { Flow, Outlet } from './outlet.js';
import { TaskDeadlines } from './task-deadlines.js';
import { ClientSide } from './client-side.js';
import { ServerSide, WRAPPER_REQUEST_TIMEOUT_MS } from './server-side.js';

export const DEFAULT_SCAN_ABOVE_BYTES = 64 * 1024;
/**
 * After the client's input ends, how long calls still being judged may take before they are
 * answered with an error and the server's input is closed. Longer than the deadline of the
 * wrapper's own requests, so a verdict waiting on one of them still comes.
 */
export const VERDICT_DRAIN_MS = WRAPPER_REQUEST_TIMEOUT_MS + 2_000;

export interface RelayOptions {
  /** the MCP client: we read its requests from `input` and write to `output` */
  client: { input: Readable; output: Writable };
  /** the server: we write to its stdin (`input`) and read its stdout (`output`) */
  server: { input: Writable; output: Readable };
  gate: Gate;
  /** longest line accepted in either direction, newline not counted */
  maxMessageBytes?: number;
  /** server lines longer than this are not parsed: their envelope is read from their two ends */
  scanAboveBytes?: number;
  /** the wrapper's own messages (one line each, no prefix); stdout is never used */
  log?: (message: string) => void;
  /** milliseconds, for call latencies */
  now?: () => number;
  timers?: Timers;
}

export interface Relay {
  /**
   * Settles when the client is done (its input ended, or its output broke) and the server's input
   * has been closed, after every call still waiting for a verdict was forwarded or answered.
   */
  readonly clientDone: Promise<void>;
  /** Settles when the server's output has ended; requests still in flight have been answered. */
  readonly serverDone: Promise<void>;
  /** The server cannot answer any more (it exited, or never started): answer everything in flight. */
  serverGone(reason: string): void;
  /** Stop reading both sides and all timers. */
  close(): void;
}

export function createRelay(options: RelayOptions): Relay {
  return new RelaySession(options);
}

class RelaySession implements Relay {
  readonly clientDone: Promise<void>;
  readonly serverDone: Promise<void>;
  private readonly context: RelayContext;
  private readonly calls: ToolCalls;
  private readonly fromServer: FromServer;
  private readonly stopReading: (() => void)[] = [];
  private clientEnding = false;
  private clientEnded!: () => void;
  private serverEnded!: () => void;

  constructor(options: RelayOptions) {
    const log = options.log ?? (() => undefined);
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.clientDone = new Promise((resolve) => (this.clientEnded = resolve));
    this.serverDone = new Promise((resolve) => (this.serverEnded = resolve));
    const clientFlow = new Flow(options.client.input);
    const serverOutlet = new Outlet(options.server.input, (error) => log(`cannot write to the server: ${error.message}`));
    const clientOutlet = new Outlet(options.client.output, (error) => {
      log(`cannot write to the client: ${error.message}`);
      this.endClient();
    });
    const timers = options.timers ?? realTimers;
    const client = new ClientSide(clientOutlet, clientFlow, timers);
    const server = new ServerSide({ outlet: serverOutlet, client, clientFlow, timers, log });
    const context: RelayContext = {
      gate: options.gate,
      log,
      now: options.now ?? (() => performance.now()),
      timers,
      maxMessageBytes,
      scanAboveBytes: options.scanAboveBytes ?? DEFAULT_SCAN_ABOVE_BYTES,
      clientFlow,
      serverFlow: new Flow(options.server.output),
      server,
      client,
    };
    this.context = context;
    const tasks = new TaskDeadlines(context);
    this.calls = new ToolCalls(
      context,
      {
        requestFromServer: (method, params) => server.request(method, params),
        client: () => client.facts(),
        requestFromClient: (method, params, timeoutMs) => client.request(method, params, timeoutMs),
      },
      tasks,
    );
    const fromClient = new FromClient(context, this.calls, tasks);
    this.fromServer = new FromServer(context);
    options.gate.watchVisibleTools?.(() => {
      log('the tools the client may see changed: telling it to list them again');
      context.client.write(encodeLine({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }), undefined);
    });
    const outlets = [clientOutlet, serverOutlet];
    this.stopReading.push(
      read(options.server.output, { maxLineBytes: maxMessageBytes, scanAboveBytes: context.scanAboveBytes, shape: true }, outlets, log, (frame) => this.fromServer.frame(frame), () => {
        this.fromServer.gone('the server stopped');
        this.serverEnded();
      }),
      read(options.client.input, { maxLineBytes: maxMessageBytes }, outlets, log, (frame) => fromClient.frame(frame), () => this.endClient()),
    );
  }

  serverGone(reason: string): void {
    this.fromServer.gone(reason);
  }

  close(): void {
    for (const stop of this.stopReading) stop();
    this.context.clientFlow.stop();
    this.context.serverFlow.stop();
    this.calls.close();
  }

  /** Nothing more comes from the client: once every pending verdict is settled, the server's input closes. */
  private endClient(): void {
    if (this.clientEnding) return;
    this.clientEnding = true;
    this.context.clientFlow.stop();
    this.context.client.closed('the client closed the session');
    void this.calls.whenIdle(VERDICT_DRAIN_MS).then(() => {
      this.context.server.end();
      this.clientEnded();
    });
  }
}

/**
 * Feeds a stream's lines to `onFrame`; `onEnd` once when it ends, fails or closes. Returns a stop
 * function. The `outlets` are corked while the lines of one chunk are handled, so that what they
 * cause leaves in one write per destination.
 */
function read(
  source: Readable,
  framing: SplitterOptions,
  outlets: readonly Outlet[],
  log: (message: string) => void,
  onFrame: (frame: Frame) => void,
  onEnd: () => void,
): () => void {
  const splitter = new LineSplitter(framing);
  let ended = false;
  const handle = (frames: Frame[]): void => {
    // One message is one write anyway; corking pays from two on.
    const cork = frames.length > 1;
    if (cork) for (const outlet of outlets) outlet.cork();
    for (const frame of frames) {
      try {
        onFrame(frame);
      } catch (error) {
        log(`internal error while relaying a message (dropped): ${errorText(error)}`);
      }
    }
    if (cork) for (const outlet of outlets) outlet.uncork();
  };
  const onData = (chunk: Buffer | string): void => handle(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  const finish = (): void => {
    if (ended) return;
    ended = true;
    handle(splitter.end());
    onEnd();
  };
  const onError = (error: Error): void => {
    log(`read error: ${error.message}`);
    finish();
  };
  source.on('data', onData);
  source.on('end', finish);
  source.on('close', finish);
  source.on('error', onError);
  return () => {
    source.off('data', onData);
    source.off('end', finish);
    source.off('close', finish);
  };
}
