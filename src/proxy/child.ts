import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

export interface ServerCommand {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** 'inherit' hands the server the wrapper's own stderr, untouched; a stream gets a copy */
  stderr: 'inherit' | Writable;
}

export type ChildExit =
  | { kind: 'exited'; code: number }
  | { kind: 'killed'; signal: NodeJS.Signals }
  | { kind: 'not-started'; code: string | undefined; message: string };

export interface ServerChild {
  readonly pid: number | undefined;
  /** the server's stdin */
  readonly input: Writable;
  /** the server's stdout */
  readonly output: Readable;
  /** Settles once, when the process itself has exited or could not be started. */
  readonly exited: Promise<ChildExit>;
  /** Sends `signal` to the server's whole process group; false when nothing was there to get it. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** Whether any process of the group remains (on systems whose init does not reap, zombies count). */
  groupAlive(): boolean;
}

/**
 * Starts the server without a shell, as the leader of its own process group, so that signals reach
 * what it starts in turn (`npx` runs the real server as a grandchild).
 */
export function spawnServer(command: ServerCommand): ServerChild {
  const subprocess = execa(command.file, [...command.args], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: command.stderr === 'inherit' ? 'inherit' : 'pipe',
    detached: true,
    env: command.env,
    extendEnv: false,
    cwd: command.cwd,
    buffer: false,
    encoding: 'buffer',
    reject: false,
    windowsHide: true,
  });
  if (command.stderr !== 'inherit') subprocess.stderr?.pipe(command.stderr, { end: false });
  // Settled through the events below; reject: false keeps this promise from rejecting.
  void subprocess.then(
    () => undefined,
    () => undefined,
  );
  const exited = new Promise<ChildExit>((resolve) => {
    subprocess.once('exit', (code, signal) => {
      resolve(signal ? { kind: 'killed', signal } : { kind: 'exited', code: code ?? 0 });
    });
    subprocess.once('error', (error: NodeJS.ErrnoException) => {
      if (subprocess.pid === undefined) resolve({ kind: 'not-started', code: error.code, message: error.message });
    });
  });
  const pid = subprocess.pid;
  return {
    pid,
    input: subprocess.stdin!,
    output: subprocess.stdout!,
    exited,
    signalGroup: (signal) => signalGroup(pid, signal),
    groupAlive: () => signalGroup(pid, 0),
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The wrapper's exit code for how the server ended: its own code, 128 + signal number, or 127. */
export function exitCodeOf(exit: ChildExit): number {
  switch (exit.kind) {
    case 'exited':
      return exit.code;
    case 'killed':
      return 128 + (constants.signals[exit.signal] ?? 0);
    case 'not-started':
      return 127;
  }
}
