import { existsSync, readFileSync } from 'node:fs';

/**
 * Whether a process is still running. A process that died but was never reaped (a container
 * whose init does not reap orphans) is a zombie: it answers kill(pid, 0) but runs nothing.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    const text = readFileSync(stat, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids the fixture servers appended to a PID_FILE. */
export function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/**
 * The pids still running after they had a moment to finish dying (a SIGKILL is delivered
 * asynchronously). Polls briefly; an empty list is the expected answer.
 */
export async function stillRunning(pids: number[], patienceMs = 3000): Promise<number[]> {
  const deadline = Date.now() + patienceMs;
  let running = pids.filter(isRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    running = running.filter(isRunning);
  }
  return running;
}

/** Kills what a failed test left behind, so one failure does not leak processes into the next. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
