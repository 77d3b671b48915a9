import type { AnswerVerdict } from '../proxy/gate.js';
import { JsonRpcErrorCode } from '../proxy/jsonrpc.js';

/** The machine-readable part of every refusal, under `_meta["policy-wrap/decision"]`. */
export interface DecisionMeta {
  decision: 'deny' | 'limited' | 'store-unavailable' | 'audit-unavailable' | 'approval-required' | 'not-approved';
  cause: string;
  rule: string;
  reason: string;
  retryAfterMs?: number;
  violations?: string[];
  /** the code a person approves with `policy-wrap approve` */
  approvalCode?: string;
}

export const decisionMetaKey = 'policy-wrap/decision';

/**
 * A refusal the model can act on: a normal tool result with isError, so agents read the text
 * instead of treating it as a protocol failure.
 */
export function refusal(text: string, meta: DecisionMeta): AnswerVerdict {
  return {
    kind: 'answer',
    answer: {
      result: { content: [{ type: 'text', text }], isError: true, _meta: { [decisionMetaKey]: meta } },
    },
  };
}

/** A hidden tool is answered the way a server answers a name it does not have. */
export function unknownTool(name: string): AnswerVerdict {
  return { kind: 'answer', answer: { error: { code: JsonRpcErrorCode.invalidParams, message: `Unknown tool: ${name}` } } };
}

export function retryInWords(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `retry in ${seconds} s`;
}
