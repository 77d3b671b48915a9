import { summarizeArguments } from '../audit/arguments.js';
import { renderArguments } from '../approvals/render.js';
import type { ApprovalStore, DecidedApproval, PendingApproval, Remember } from '../approvals/types.js';
import type { Clock } from '../limits/types.js';
import type { ApprovalRule } from '../policy/index.js';
import type { GateContext, ToolCall } from '../proxy/gate.js';
import type { JsonRpcId } from '../proxy/jsonrpc.js';
import { errorMessage } from '../shared/values.js';
import type { ApprovalAudit } from './audit-record.js';
import type { Refusal } from './refusals.js';

export interface ApprovalDeskOptions {
  grant: string;
  session: string;
  clock: Clock;
  /** The server as a person knows it: "plex-mcp-server". */
  server: string;
  /**
   * Where approvals from a terminal are kept (opened on first need); undefined when the wrapper
   * keeps its state in memory, out of reach of `policy-wrap approve`.
   */
  store: () => Promise<ApprovalStore | undefined>;
  /** What the person adds to `policy-wrap approvals` to reach this wrapper's store: "" or " --state …". */
  stateHint: string;
}

export type ApprovalResult = { approved: true; audit: ApprovalAudit } | { approved: false; refusal: Refusal };

/**
 * Asks a person about calls whose rule says `ask`. Through the client when it can show a form
 * (an elicitation of the wrapper's own); otherwise the call is refused with a code the person
 * approves from a terminal, and the agent's next identical call finds the verdict in the store.
 * What an approval given through the client covers beyond its call is remembered here.
 */
export class ApprovalDesk {
  /** [tool, digest] of calls approved through the client for the session or for a while: until when. */
  private readonly remembered = new Map<string, number>();
  /** Elicitations waiting for a person, by the call's id: how to give up on them. */
  private readonly waiting = new Map<JsonRpcId, (reason: string) => void>();

  constructor(private readonly options: ApprovalDeskOptions) {}

  async decide(call: ToolCall, rule: string, approval: ApprovalRule, context: GateContext): Promise<ApprovalResult> {
    const digest = summarizeArguments(call.arguments).argumentsDigest;
    const key = JSON.stringify([subjectOf(call), digest]);
    const now = this.options.clock();
    const until = this.remembered.get(key);
    if (until !== undefined && until > now) return { approved: true, audit: { via: 'remembered' } };
    if (until !== undefined) this.remembered.delete(key);
    if (context.client().elicitationForm) return this.elicit(call, rule, approval, context, key);
    return this.fromTerminal(call, rule, approval, digest);
  }

  /** Nobody waits for this call any more: the person is no longer asked. */
  abandoned(id: ToolCall['id']): void {
    this.waiting.get(id)?.('the agent cancelled the call');
  }

  private async elicit(call: ToolCall, rule: string, approval: ApprovalRule, context: GateContext, key: string): Promise<ApprovalResult> {
    const asked = this.options.clock();
    const request = context.requestFromClient('elicitation/create', { message: this.question(call, approval.remember), requestedSchema: { type: 'object', properties: {} } }, approval.timeoutMs);
    const id = call.id;
    this.waiting.set(id, (reason) => request.cancel(reason));
    const audit = (): ApprovalAudit => {
      const now = this.options.clock();
      return { via: 'elicitation', decidedAt: new Date(now).toISOString(), waitedMs: now - asked };
    };
    let answer: Record<string, unknown>;
    try {
      answer = await request.answer;
    } catch (error) {
      const timedOut = (error as { name?: unknown }).name === 'ClientRequestTimeout';
      const reason = timedOut ? `no answer within ${approval.timeoutMs / 1000} s` : `the client could not ask the user (${errorMessage(error)})`;
      return { approved: false, refusal: notApproved(rule, timedOut ? 'timeout' : 'client-error', reason, audit()) };
    } finally {
      this.waiting.delete(id);
    }
    switch (answer.action) {
      case 'accept':
        this.remember(key, approval.remember);
        return { approved: true, audit: audit() };
      case 'decline':
        return { approved: false, refusal: notApproved(rule, 'declined', 'declined by the user', audit()) };
      case 'cancel':
        return { approved: false, refusal: notApproved(rule, 'cancelled', 'the user dismissed the question', audit()) };
      default:
        return { approved: false, refusal: notApproved(rule, 'client-error', 'the client gave no answer the wrapper can read', audit()) };
    }
  }

  private async fromTerminal(call: ToolCall, rule: string, approval: ApprovalRule, digest: string): Promise<ApprovalResult> {
    const { grant, session, clock } = this.options;
    let store: ApprovalStore | undefined;
    try {
      store = await this.options.store();
    } catch (error) {
      return { approved: false, refusal: storeProblem(rule, error) };
    }
    if (store === undefined) {
      const reason =
        'this call needs a person\'s approval and there is no way to ask: the client cannot show a question (no elicitation), and this wrapper keeps its state in memory, out of reach of "policy-wrap approve"';
      return { approved: false, refusal: notApproved(rule, 'no-way-to-ask', `${reason}; start it with --state <file>, or use a client that supports elicitation`) };
    }
    try {
      const now = clock();
      const found = await store.lookup({ tool: subjectOf(call), grant, session, argumentsDigest: digest }, now);
      if (found.kind === 'decided') return decided(rule, found.approval);
      const pending: PendingApproval =
        found.kind === 'pending'
          ? found.approval
          : await store.ask(
              { tool: subjectOf(call), grant, session, argumentsDigest: digest, rendering: renderArguments(call.arguments), server: this.options.server, remember: approval.remember },
              approval.timeoutMs,
              now,
            );
      return { approved: false, refusal: this.approvalRequired(rule, pending) };
    } catch (error) {
      return { approved: false, refusal: storeProblem(rule, error) };
    }
  }

  private approvalRequired(rule: string, pending: PendingApproval): Refusal {
    const command = `policy-wrap approvals${this.options.stateHint}`;
    const reason = `a person must approve this call (code ${pending.code})`;
    return {
      text: `This call needs your approval: run "${command}" in a terminal and approve ${pending.code}, then ask me to try again.`,
      meta: { decision: 'approval-required', cause: 'approval', rule, reason, approvalCode: pending.code },
    };
  }

  private question(call: ToolCall, remember: Remember): string {
    const server = this.options.server;
    const method = (call as { method?: string }).method;
    if (method === 'resources/read') return `${server} is asked to read the resource "${call.name}".\n\nApprove this read? ${coverage(remember)}`;
    if (method !== undefined) return `${server} is asked for the prompt "${call.name}" with these arguments:\n${renderArguments(call.arguments)}\n\nApprove this request? ${coverage(remember)}`;
    return `${server} wants to run the tool "${call.name}" with these arguments:\n${renderArguments(call.arguments)}\n\nApprove this call? ${coverage(remember)}`;
  }

  private remember(key: string, remember: Remember): void {
    if (remember.kind === 'session') this.remembered.set(key, Infinity);
    else if (remember.kind === 'for') this.remembered.set(key, this.options.clock() + remember.ms);
  }
}

/**
 * What an approval is for, in the store and in what is remembered: a tool's name as it is, a
 * resource read or a prompt prefixed with its method, so the three never share an approval.
 */
function subjectOf(call: ToolCall): string {
  const method = (call as { method?: string }).method;
  return method === undefined ? call.name : `${method} ${call.name}`;
}

/** What one approval covers, in words for the person approving. */
export function coverage(remember: Remember): string {
  if (remember.kind === 'call') return 'Approving allows this one call.';
  if (remember.kind === 'session') return 'Approving also allows the same call with the same arguments for the rest of this session.';
  return `Approving also allows the same call with the same arguments for ${durationInWords(remember.ms)}.`;
}

export function durationInWords(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return plural(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

function decided(rule: string, approval: DecidedApproval): ApprovalResult {
  const audit: ApprovalAudit = { via: 'cli', by: approval.by, decidedAt: new Date(approval.decidedMs).toISOString(), waitedMs: approval.decidedMs - approval.createdMs };
  if (approval.verdict === 'approved') return { approved: true, audit };
  return { approved: false, refusal: notApproved(rule, 'denied', `denied with policy-wrap deny by ${approval.by}`, audit) };
}

function notApproved(rule: string, cause: string, reason: string, approval?: ApprovalAudit): Refusal {
  return { text: `Not approved: ${reason}`, meta: { decision: 'not-approved', cause, rule, reason }, ...(approval === undefined ? {} : { audit: { approval } }) };
}

function storeProblem(rule: string, error: unknown): Refusal {
  const reason = `the approval store is unavailable (${errorMessage(error)}); try again later`;
  return { text: `Refused: ${reason}`, meta: { decision: 'store-unavailable', cause: 'approval-store', rule, reason } };
}
