import { PassThrough } from 'node:stream';
import type { Timers } from '../../src/proxy/context.js';
import { allowAllGate, type Gate } from '../../src/proxy/gate.js';
import { createRelay, type Relay, type RelayOptions } from '../../src/proxy/relay.js';
import { LineReader, type Message } from './lines.js';

/** Timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  private next = 0;
  private readonly pending = new Map<number, { callback: () => void; ms: number }>();

  setTimeout(callback: () => void, ms: number): unknown {
    this.next += 1;
    this.pending.set(this.next, { callback, ms });
    return this.next;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Delays of the timers still set. */
  delays(): number[] {
    return [...this.pending.values()].map((timer) => timer.ms);
  }

  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const timer of due) timer.callback();
  }
}

export interface Side {
  input: PassThrough;
  /** what the relay wrote towards this side */
  received: LineReader;
  send(message: Message | string | Buffer): void;
}

export interface Harness {
  relay: Relay;
  /** the client: `send` writes to the relay, `received` is what the relay wrote to the client */
  client: Side;
  /** the server: `send` writes as the server, `received` is what reached the server */
  server: Side;
  /** the four streams, named from the relay's side */
  streams: { clientInput: PassThrough; clientOutput: PassThrough; serverInput: PassThrough; serverOutput: PassThrough };
  logs: string[];
  timers: ManualTimers;
  /** A ping from the client, once it reached the server: everything sent before it has been handled. */
  barrier(): Promise<void>;
}

/** A relay between in-memory streams. */
export function relayHarness(options: Partial<RelayOptions> & { gate?: Gate } = {}): Harness {
  const clientInput = new PassThrough();
  const clientOutput = new PassThrough();
  const serverInput = new PassThrough();
  const serverOutput = new PassThrough();
  const logs: string[] = [];
  const timers = new ManualTimers();
  const relay = createRelay({
    client: { input: clientInput, output: clientOutput },
    server: { input: serverInput, output: serverOutput },
    gate: allowAllGate,
    log: (message) => logs.push(message),
    timers,
    ...options,
  });
  const side = (input: PassThrough, output: PassThrough): Side => ({
    input,
    received: new LineReader(output),
    send: (message) => {
      input.write(typeof message === 'string' || Buffer.isBuffer(message) ? message : `${JSON.stringify(message)}\n`);
    },
  });
  const client = side(clientInput, clientOutput);
  const server = side(serverOutput, serverInput);
  let barriers = 0;
  return {
    relay,
    client,
    server,
    streams: { clientInput, clientOutput, serverInput, serverOutput },
    logs,
    timers,
    barrier: async () => {
      barriers += 1;
      const id = `barrier-${barriers}`;
      client.send({ jsonrpc: '2.0', id, method: 'ping', params: { barrier: id } });
      await server.received.find((message) => message.params?.barrier === id, `barrier ${id}`);
    },
  };
}
