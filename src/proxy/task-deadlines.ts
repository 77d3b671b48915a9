import { timeoutResult } from './answers.js';
import { isObject } from './classify.js';
import { showId, type RelayContext } from './context.js';
import type { ClientLine } from './from-client.js';
import type { JsonRpcRequest } from './jsonrpc.js';
import type { ClientRequest, TrackedCall } from './pending.js';

/** Task deadlines remembered at once; the oldest make room. */
const MAX_TASKS = 1_000;

interface TaskDeadline {
  name: string;
  timeoutMs: number;
  timer: unknown;
  expired: boolean;
  /** the client's tasks/result requests for this task, forwarded to the server */
  waiting: Set<ClientRequest>;
}

/**
 * A rule's `timeout` bounds a task-augmented `tools/call` (MCP 2025-11-25) to its end, not only
 * to the server's first answer (which only says a task was created). At the deadline the task is
 * cancelled at the server, a `tasks/result` the client is waiting on gets the timeout refusal, and
 * so does every later one; a result that reached the client before the deadline ends the watch.
 */
export class TaskDeadlines {
  private readonly tasks = new Map<string, TaskDeadline>();

  constructor(private readonly context: RelayContext) {}

  /** The server accepted a task-augmented call with a timeout as task `taskId`. */
  started(taskId: string, call: TrackedCall, timeoutMs: number): void {
    const context = this.context;
    if (this.tasks.size >= MAX_TASKS) {
      const [oldestId, oldest] = this.tasks.entries().next().value as [string, TaskDeadline];
      context.timers.clearTimeout(oldest.timer);
      this.tasks.delete(oldestId);
    }
    const remainingMs = Math.max(0, call.startedAt + timeoutMs - context.now());
    const deadline: TaskDeadline = { name: call.name, timeoutMs, timer: undefined, expired: false, waiting: new Set() };
    deadline.timer = context.timers.setTimeout(() => this.expire(taskId, deadline), remainingMs);
    this.tasks.set(taskId, deadline);
  }

  /** The client asks for a task's result; true when handled here (answered, or forwarded and watched). */
  result(message: JsonRpcRequest, line: ClientLine): boolean {
    const taskId = isObject(message.params) ? message.params.taskId : undefined;
    const deadline = typeof taskId === 'string' ? this.tasks.get(taskId) : undefined;
    if (deadline === undefined) return false;
    if (deadline.expired) {
      this.context.client.answerResult(message.id, timeoutResult(deadline.name, deadline.timeoutMs));
      return true;
    }
    const request = this.context.server.forward(message, line);
    if (request) deadline.waiting.add(request);
    return true;
  }

  close(): void {
    for (const deadline of this.tasks.values()) this.context.timers.clearTimeout(deadline.timer);
    this.tasks.clear();
  }

  private expire(taskId: string, deadline: TaskDeadline): void {
    const context = this.context;
    const pending = [...deadline.waiting].filter((request) => context.server.isPending(request));
    if (pending.length < deadline.waiting.size) {
      // Its result already reached the client: the task ended in time.
      this.tasks.delete(taskId);
      return;
    }
    deadline.expired = true;
    for (const request of pending) {
      context.server.abandon(request);
      context.client.answerResult(request.clientId, timeoutResult(deadline.name, deadline.timeoutMs));
    }
    context.log(`task ${showId(taskId)} of ${showId(deadline.name)} outlived its ${deadline.timeoutMs / 1000} s timeout; cancelling it`);
    this.context.server.request('tasks/cancel', { taskId }).catch(() => undefined);
  }
}
