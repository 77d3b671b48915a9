import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import crossSpawn from 'cross-spawn';

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
 * what it starts in turn (`npx` runs the real server as a grandchild). cross-spawn is Node's own
 * spawn on POSIX; on Windows it finds `npx.cmd` and the like through PATHEXT, as a shell would.
 */
export function spawnServer(command: ServerCommand): ServerChild {
  const subprocess = crossSpawn(command.file, [...command.args], {
    stdio: ['pipe', 'pipe', command.stderr === 'inherit' ? 'inherit' : 'pipe'],
    detached: true,
    env: command.env,
    cwd: command.cwd,
    windowsHide: true,
  });
  if (command.stderr !== 'inherit') subprocess.stderr?.pipe(command.stderr, { end: false });
  // Trouble on a pipe (a server gone mid-write) is what the relay hears from the streams' own
  // readers and writers; without a listener here it would end the wrapper instead.
  for (const stream of [subprocess.stdin, subprocess.stdout, subprocess.stderr]) stream?.on('error', () => undefined);
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
