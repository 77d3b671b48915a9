import type { ChildExit, ServerChild } from './child.js';

export interface StopTimings {
  /** after the server's stdin is closed, how long it may take to exit on its own */
  graceMs: number;
  /** after SIGTERM (or a forwarded signal), how long before SIGKILL */
  termMs: number;
  /** how often to look whether the group is gone */
  pollMs: number;
}

/** Fits in the 2 s + 2 s an MCP client allows before it kills the wrapper itself. */
export const DEFAULT_STOP_TIMINGS: StopTimings = { graceMs: 1000, termMs: 1000, pollMs: 25 };

/**
 * Stops the server in steps and leaves nothing of its process group behind: stdin closed, then
 * SIGTERM (or the signal the wrapper got), then SIGKILL, each to the whole group.
 */
export class ServerStopper {
  /** Settles when the server has exited and its group is gone (or was sent SIGKILL). */
  readonly done: Promise<ChildExit>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private exit: ChildExit | undefined;
  /** when SIGKILL is due, once a first signal has been sent */
  private killAt: number | undefined;

  constructor(
    private readonly child: ServerChild,
    private readonly timings: StopTimings = DEFAULT_STOP_TIMINGS,
  ) {
    this.done = child.exited.then(async (exit) => {
      this.exit = exit;
      this.clearTimers();
      await this.reapGroup();
      return exit;
    });
  }

  /** The server's stdin is closed: it has `graceMs` to exit before it is terminated. */
  inputClosed(): void {
    this.after(this.timings.graceMs, () => this.terminate('SIGTERM'));
  }

  /** Sends `signal` to the group now, and SIGKILL if it is still there after `termMs`. */
  terminate(signal: NodeJS.Signals): void {
    if (this.exit) return;
    this.child.signalGroup(signal);
    if (this.killAt !== undefined) return;
    this.killAt = Date.now() + this.timings.termMs;
    this.after(this.timings.termMs, () => this.child.signalGroup('SIGKILL'));
  }

  /**
   * Whatever the server started and left behind is stopped the same way, keeping the SIGKILL time
   * already set if a signal went out before.
   */
  private async reapGroup(): Promise<void> {
    if (!this.child.groupAlive()) return;
    if (this.killAt === undefined) this.child.signalGroup('SIGTERM');
    const deadline = this.killAt ?? Date.now() + this.timings.termMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.timings.pollMs));
      if (!this.child.groupAlive()) return;
    }
    this.child.signalGroup('SIGKILL');
  }

  private after(ms: number, action: () => void): void {
    if (this.exit) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
