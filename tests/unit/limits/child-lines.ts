import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/limits/${name}`, import.meta.url));

/** A child process whose stdout is read line by line. */
export interface LineChild {
  process: ChildProcessWithoutNullStreams;
  /** The next line the child prints; rejects if it exits first. */
  nextLine(): Promise<string>;
  /** Exit code, with everything it wrote to stderr for failure messages. */
  exited: Promise<{ code: number | null; stderr: string }>;
}

export function spawnWithLines(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): LineChild {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${args.join(' ')} exited (${code}) before printing a line: ${stderr}`));
      resolve({ code, stderr });
    });
  });
  return {
    process: child,
    exited,
    nextLine() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${args.join(' ')} exited (${child.exitCode}) before printing a line: ${stderr}`));
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}
