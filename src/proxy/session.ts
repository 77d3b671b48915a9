import type { Readable, Writable } from 'node:stream';
import { exitCodeOf, spawnServer, type ChildExit, type ServerCommand } from './child.js';
import type { Gate } from './gate.js';
import { createRelay } from './relay.js';
import { DEFAULT_STOP_TIMINGS, ServerStopper, type StopTimings } from './shutdown.js';

/** Where the wrapper hears SIGINT, SIGTERM and SIGHUP (the process, unless a test says otherwise). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface SessionOptions {
  command: ServerCommand;
  client: { input: Readable; output: Writable };
  gate: Gate;
  maxMessageBytes?: number;
  log: (message: string) => void;
  timings?: StopTimings;
  signals?: SignalSource;
  /**
   * After the server is gone, how long requests already sent by the client are still answered
   * (with an error) before the wrapper exits, unless the client closes its end first.
   */
  lingerMs?: number;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const DEFAULT_LINGER_MS = 100;
/** How long the server's stdout may stay open after its group is gone (held by a stray process). */
const OUTPUT_DRAIN_MS = 200;

/**
 * One wrapped server from start to exit: spawn, relay both ways, forward signals, stop in steps.
 * Resolves to the wrapper's exit code: the server's, 128 + signal, or 127 when it never started.
 */
export async function runSession(options: SessionOptions): Promise<number> {
  const { command, log } = options;
  const timings = options.timings ?? DEFAULT_STOP_TIMINGS;
  const signals = options.signals ?? process;
  const child = spawnServer(command);
  const relay = createRelay({
    client: options.client,
    server: { input: child.input, output: child.output },
    gate: options.gate,
    maxMessageBytes: options.maxMessageBytes,
    log,
  });
  const stopper = new ServerStopper(child, timings);
  void relay.clientDone.then(() => stopper.inputClosed());
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`received ${signal}; stopping the server`);
    stopper.terminate(signal);
  };
  for (const signal of FORWARDED_SIGNALS) signals.on(signal, onSignal);
  try {
    const exit = await child.exited;
    if (exit.kind === 'not-started') relay.serverGone('the server could not be started');
    await stopper.done;
    await within(relay.serverDone, OUTPUT_DRAIN_MS);
    relay.serverGone('the server stopped');
    await within(relay.clientDone, options.lingerMs ?? DEFAULT_LINGER_MS);
    const said = describeExit(command.file, exit);
    if (said) log(said);
    return exitCodeOf(exit);
  } finally {
    for (const signal of FORWARDED_SIGNALS) signals.off(signal, onSignal);
    relay.close();
    child.output.destroy();
    child.input.destroy();
  }
}

function describeExit(file: string, exit: ChildExit): string | undefined {
  switch (exit.kind) {
    case 'exited':
      return exit.code === 0 ? undefined : `the server exited with code ${exit.code}`;
    case 'killed':
      return `the server was stopped by ${exit.signal}`;
    case 'not-started':
      if (exit.code === 'ENOENT') return `cannot start "${file}": command not found`;
      if (exit.code === 'EACCES') return `cannot start "${file}": permission denied, or not a program (EACCES)`;
      return `cannot start "${file}": ${exit.message}`;
  }
}

/** Waits for `promise`, but no longer than `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
