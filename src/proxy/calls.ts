import { shown } from '../shared/shown.js';
import { RelayErrorCode, encodeLine, errorAnswer, resultAnswer, timeoutError, timeoutResult } from './answers.js';
import type { ClientLine } from './from-client.js';
import { isObject } from './classify.js';
import { errorText, showId, type RelayContext } from './context.js';
import type { CallOutcome, CallVerdict, GateContext, JudgedRequest, ToolCall } from './gate.js';
import type { JsonRpcId, JsonRpcRequest } from './jsonrpc.js';
import type { ClientRequest, TrackedCall } from './pending.js';
import type { TaskDeadlines } from './task-deadlines.js';
import { isPromiseLike } from '../shared/values.js';

/** A call whose verdict is a pending Promise. */
interface Gating {
  id: JsonRpcId;
  name: string;
  cancelled: boolean;
}

/**
 * Every `tools/call` from the client goes through the gate. Only a 'forward' verdict lets it reach
 * the server, as the very bytes the gate's message was read from: every number as the client
 * wrote it. A number the gate would judge as another value than the server reads is refused.
 */
export class ToolCalls {
  private readonly gating = new Map<JsonRpcId, Gating>();
  private readonly timed = new Set<TrackedCall>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly context: RelayContext,
    private readonly gateContext: GateContext,
    private readonly tasks: TaskDeadlines,
  ) {}

  isGating(id: JsonRpcId): boolean {
    return this.gating.has(id);
  }

  handle(message: JsonRpcRequest, line: ClientLine): void {
    this.readAndJudge(message, line, readToolCall(message), (call) => call.name, (call) => this.context.gate.checkCall(call, this.gateContext));
  }

  /** A JUDGED_METHODS request: judged like a tool call when the gate judges such requests, else forwarded. */
  handleRequest(message: JsonRpcRequest, line: ClientLine): void {
    const gate = this.context.gate;
    if (gate.checkRequest === undefined) {
      this.context.server.forward(message, line);
      return;
    }
    this.readAndJudge(message, line, readJudgedRequest(message), (request) => request.method, (request) => gate.checkRequest!(request, this.gateContext));
  }

  /** Judged once read; one that cannot be read, or whose numbers the server may read as other values, is refused. */
  private readAndJudge<T>(message: JsonRpcRequest, line: ClientLine, read: T | string, name: (read: T) => string, check: (read: T) => CallVerdict | Promise<CallVerdict>): void {
    const problem = typeof read === 'string' ? read : line.check.numberProblem && `${line.check.numberProblem}; not forwarded`;
    if (typeof read === 'string' || problem) {
      this.context.log(`refused ${message.method} ${showId(message.id)}: ${problem}`);
      this.context.client.answerError(message.id, { code: RelayErrorCode.invalidParams, message: problem! });
      return;
    }
    this.judge(message, line, name(read), () => check(read));
  }

  /** Forwarded, answered or refused as the verdict says; a pending verdict lets later messages pass. */
  private judge(message: JsonRpcRequest, line: ClientLine, name: string, check: () => CallVerdict | Promise<CallVerdict>): void {
    let verdict: CallVerdict | Promise<CallVerdict>;
    try {
      verdict = check();
    } catch (error) {
      this.gateFailed(message.id, name, error);
      return;
    }
    if (!isPromiseLike(verdict)) {
      this.decide(message, name, line, verdict);
      return;
    }
    const key = message.id;
    const gating: Gating = { id: message.id, name, cancelled: false };
    this.gating.set(key, gating);
    const settle = (decide: () => void): void => {
      this.gating.delete(key);
      decide();
      if (this.gating.size === 0) this.wakeIdle();
    };
    verdict.then(
      (settled) =>
        settle(() => {
          if (!gating.cancelled) this.decide(message, name, line, settled);
          else if (isObject(settled) && settled.kind === 'forward') {
            this.tracked(name, settled.onOutcome).report({ kind: 'not-forwarded', reason: 'cancelled' });
          }
        }),
      (error: unknown) => settle(() => gating.cancelled || this.gateFailed(message.id, name, error)),
    );
  }

  /** The client cancelled a call still waiting for its verdict: it will be neither sent nor answered. */
  cancelGating(id: JsonRpcId): boolean {
    const gating = this.gating.get(id);
    if (gating === undefined) return false;
    gating.cancelled = true;
    this.abandoned(id);
    return true;
  }

  /**
   * Resolves once no verdict is pending (before the server's input may be closed), or after
   * `limitMs`: calls still being judged then are answered with an error and never forwarded.
   */
  whenIdle(limitMs: number): Promise<void> {
    if (this.gating.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.context.timers.setTimeout(() => {
        for (const gating of this.gating.values()) this.giveUp(gating, limitMs);
        this.gating.clear();
        this.wakeIdle();
      }, limitMs);
      this.idleWaiters.push(() => {
        this.context.timers.clearTimeout(timer);
        resolve();
      });
    });
  }

  private giveUp(gating: Gating, limitMs: number): void {
    gating.cancelled = true;
    this.abandoned(gating.id);
    this.context.log(`tools/call ${showId(gating.id)} was still being judged ${limitMs / 1000} s after the client closed; not forwarded`);
    this.context.client.answerError(gating.id, {
      code: RelayErrorCode.internalError,
      message: `the policy check for ${gating.name} did not finish before the session ended; the call was not forwarded`,
    });
  }

  /** The gate hears that nobody waits for this verdict any more (it may stop asking a person). */
  private abandoned(id: JsonRpcId): void {
    try {
      this.context.gate.callAbandoned?.(id);
    } catch (error) {
      this.context.log(`the policy failed to take note of an abandoned call: ${errorText(error)}`);
    }
  }

  /** Stops every timeout timer (the relay is closing). */
  close(): void {
    for (const call of this.timed) this.context.timers.clearTimeout(call.timer);
    this.timed.clear();
    this.tasks.close();
  }

  private decide(message: JsonRpcRequest, name: string, line: ClientLine, verdict: CallVerdict): void {
    const context = this.context;
    if (verdict?.kind === 'answer' && isAnswer(verdict.answer)) {
      const answer = verdict.answer;
      const response = 'error' in answer ? errorAnswer(message.id, answer.error) : resultAnswer(message.id, answer.result);
      context.client.write(encodeLine(response), context.clientFlow);
      return;
    }
    if (verdict?.kind !== 'forward') {
      this.gateFailed(message.id, name, new Error(`unknown verdict ${JSON.stringify(verdict)}`));
      return;
    }
    const call = this.tracked(name, verdict.onOutcome);
    const transform = verdict.transformAnswer;
    if (transform !== undefined) call.transform = (answer) => transform.call(verdict, answer);
    const request = this.context.server.forward(message, line, call);
    const timeoutMs = verdict.timeoutMs;
    if (request && timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > 0) {
      call.timer = context.timers.setTimeout(() => this.timedOut(request, call, timeoutMs), timeoutMs);
      this.timed.add(call);
      if (isObject(message.params) && message.params.task !== undefined) call.onTask = (taskId) => this.tasks.started(taskId, call, timeoutMs);
    }
  }

  private timedOut(request: ClientRequest, call: TrackedCall, timeoutMs: number): void {
    const context = this.context;
    this.timed.delete(call);
    if (!context.server.isPending(request)) return;
    context.server.abandon(request, `policy-wrap: no answer within ${timeoutMs / 1000} s`);
    // A tool call times out as a result the agent reads; other requests have no such result.
    if (request.method === 'tools/call') context.client.answerResult(request.clientId, timeoutResult(call.name, timeoutMs));
    else context.client.answerError(request.clientId, timeoutError(call.name, timeoutMs));
    context.log(`${shown(call.name)} (id ${showId(request.clientId)}) timed out after ${timeoutMs / 1000} s and was cancelled`);
    call.report({ kind: 'timeout', latencyMs: context.now() - call.startedAt });
  }

  /** A call's outcome goes to the gate once, whatever reports it first; its timer stops then. */
  private tracked(name: string, onOutcome: ((outcome: CallOutcome) => void) | undefined): TrackedCall {
    let reported = false;
    const call: TrackedCall = {
      name,
      startedAt: this.context.now(),
      report: (outcome) => {
        if (reported) return;
        reported = true;
        if (this.timed.delete(call)) this.context.timers.clearTimeout(call.timer);
        try {
          onOutcome?.(outcome);
        } catch (error) {
          this.context.log(`the policy failed to record the outcome of ${shown(name)}: ${errorText(error)}`);
        }
      },
    };
    return call;
  }

  /** A gate that throws or rejects denies: nothing unjudged reaches the server. */
  private gateFailed(id: JsonRpcId, name: string, error: unknown): void {
    this.context.log(`policy check failed for ${shown(name)} (id ${showId(id)}), not forwarded: ${errorText(error)}`);
    this.context.client.answerError(id, {
      code: RelayErrorCode.internalError,
      message: `the policy check for ${name} failed; the call was not forwarded`,
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** The call as the gate sees it, or why it cannot be judged. */
function readToolCall(message: JsonRpcRequest): ToolCall | string {
  const params = message.params;
  if (!isObject(params)) return 'tools/call needs "params" with the tool "name"';
  if (typeof params.name !== 'string') return 'tools/call "params.name" must be a string';
  if (params.arguments !== undefined && !isObject(params.arguments)) {
    return 'tools/call "params.arguments" must be an object';
  }
  return { id: message.id, name: params.name, arguments: params.arguments, params };
}

/** A judged request (resources/read, prompts/get, …) as the gate sees it, or why it cannot be judged. */
function readJudgedRequest(message: JsonRpcRequest): JudgedRequest | string {
  const params = message.params ?? {};
  if (!isObject(params)) return `${message.method} "params" must be an object`;
  return { id: message.id, method: message.method, params };
}

function isAnswer(answer: unknown): boolean {
  if (!isObject(answer)) return false;
  if ('error' in answer) return isObject(answer.error) && typeof answer.error.code === 'number';
  return isObject(answer.result);
}

