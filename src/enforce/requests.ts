import {
  denyPromptByName,
  denyResourceByName,
  evaluatePrompt,
  evaluateResource,
  type CompiledPolicy,
  type Decision,
  type DenyDecision,
} from '../policy/index.js';
import type { AnswerVerdict, JudgedRequest, ToolCall } from '../proxy/gate.js';
import { JsonRpcErrorCode } from '../proxy/jsonrpc.js';
import { decisionMetaKey, type DecisionMeta } from './answers.js';
import type { Refusal } from './refusals.js';

/**
 * A judged request as the gate handles it: like a tool call, `name` being the resource URI, the
 * prompt name, or what a completion completes, and `method` saying which request it is.
 */
export interface GatedCall extends ToolCall {
  /** Absent for tools/call. */
  method?: string;
}

/** What a judged request is about: a resource URI (or URI template) or a prompt name. */
interface Subject {
  name: string;
  arguments?: unknown;
}

/** MCP's "Resource not found" (the code servers answer resources/read of an unknown URI with). */
export const RESOURCE_NOT_FOUND = -32002;

/** A refusal of a request that has no isError result: a JSON-RPC error carrying the same decision meta. */
export const REFUSED_BY_POLICY = -32003;

/** The request as a call the gate can judge, or the answer to a request it cannot read. */
export function readRequest(request: JudgedRequest): GatedCall | AnswerVerdict {
  const subject = subjectOf(request);
  if (typeof subject === 'string') return invalidParams(`${request.method}: ${subject}`);
  const call: GatedCall = { id: request.id, name: subject.name, arguments: subject.arguments, params: request.params, method: request.method };
  return call;
}

/**
 * The policy's decision on a judged request. resources/read and prompts/get are decided in full
 * (limits, ask, arguments); resources/subscribe and completion/complete follow the allow or deny
 * of the resource's or prompt's rule by name alone: nothing is counted, nobody is asked (a
 * subscription delivers no content, each read that follows is judged; a completion runs at every
 * keystroke).
 */
export function decideRequest(policy: CompiledPolicy, call: GatedCall, who: { grant: string; session: string }): Decision {
  const section = sectionOf(call);
  if (call.method === 'resources/read') return evaluateResource(policy, { uri: call.name, ...who });
  if (call.method === 'prompts/get') return evaluatePrompt(policy, { name: call.name, arguments: call.arguments, ...who });
  const denial = section === 'resources' ? denyResourceByName(policy, call.name) : denyPromptByName(policy, call.name);
  if (denial !== undefined) return denial;
  const rule = policy[section].ruleFor(call.name);
  return { outcome: 'allow', rule: rule?.pointer ?? policy[section].defaultPointer, budgets: [] };
}

/** A hidden resource or prompt is answered the way a server answers a URI or name it does not have. */
export function unknownSubject(call: GatedCall): AnswerVerdict {
  if (sectionOf(call) === 'resources') {
    return { kind: 'answer', answer: { error: { code: RESOURCE_NOT_FOUND, message: 'Resource not found', data: { uri: call.name } } } };
  }
  return invalidParams(`Unknown prompt: ${call.name}`);
}

/** A refused request: its method has no isError result, so an error whose `data` is the decision meta. */
export function refusalError(refusal: Refusal): AnswerVerdict {
  return { kind: 'answer', answer: { error: { code: REFUSED_BY_POLICY, message: refusal.text, data: { [decisionMetaKey]: refusal.meta } } } };
}

/** How a denied resource read, prompt or completion reads (never as a tool's arguments). */
export function deniedRequest(call: GatedCall, decision: DenyDecision): Refusal {
  const meta: DecisionMeta = { decision: 'deny', cause: decision.cause, rule: decision.rule, reason: decision.reason };
  if (decision.violations) meta.violations = decision.violations;
  const violations = decision.violations?.join('; ');
  const text = violations === undefined || decision.reason.includes(violations) ? `Denied by policy: ${decision.reason}` : `Denied by policy: ${decision.reason} (${violations})`;
  return { text, meta, hidden: decision.hidden };
}

function sectionOf(call: GatedCall): 'resources' | 'prompts' {
  if (call.method === 'prompts/get') return 'prompts';
  if (call.method === 'completion/complete') return (call.params.ref as { type?: unknown }).type === 'ref/prompt' ? 'prompts' : 'resources';
  return 'resources';
}

function subjectOf(request: JudgedRequest): Subject | string {
  const params = request.params;
  switch (request.method) {
    case 'resources/read':
    case 'resources/subscribe':
      return typeof params.uri === 'string' ? { name: params.uri } : '"params.uri" must be a string';
    case 'prompts/get':
      if (typeof params.name !== 'string') return '"params.name" must be a string';
      if (params.arguments !== undefined && (typeof params.arguments !== 'object' || params.arguments === null || Array.isArray(params.arguments))) {
        return '"params.arguments" must be an object';
      }
      return { name: params.name, arguments: params.arguments };
    case 'completion/complete': {
      const ref = params.ref;
      if (typeof ref !== 'object' || ref === null) return '"params.ref" must be an object';
      const { type, name, uri } = ref as { type?: unknown; name?: unknown; uri?: unknown };
      if (type === 'ref/prompt') return typeof name === 'string' ? { name } : '"params.ref.name" must be a string';
      if (type === 'ref/resource') return typeof uri === 'string' ? { name: uri } : '"params.ref.uri" must be a string';
      return '"params.ref.type" must be "ref/prompt" or "ref/resource"';
    }
    default:
      return 'not a request the policy judges';
  }
}

function invalidParams(message: string): AnswerVerdict {
  return { kind: 'answer', answer: { error: { code: JsonRpcErrorCode.invalidParams, message } } };
}
