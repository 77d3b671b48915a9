import type { ApprovalRule } from '../policy/index.js';

/** How a person approves the calls of an `ask` rule, in the units a policy is written in. */
export interface ApprovalSummary {
  /** Seconds a person has to answer (`approval.timeout`, default 120). */
  timeoutSeconds: number;
  /** What one approval covers: "call" (that call), "session" (same arguments, rest of the session) or a number of seconds (same arguments, that long). */
  remember: 'call' | 'session' | number;
}

export function approvalSummary(approval: ApprovalRule): ApprovalSummary {
  const { remember } = approval;
  return { timeoutSeconds: approval.timeoutMs / 1000, remember: remember.kind === 'for' ? remember.ms / 1000 : remember.kind };
}

/** "a person approves each call (remembered for 10 min, same arguments; 120 s to answer)" */
export function approvalText(approval: ApprovalSummary): string {
  const remembered =
    approval.remember === 'call' ? '' : `remembered for ${approval.remember === 'session' ? 'the session' : spanText(approval.remember)}, same arguments; `;
  return `a person approves each call (${remembered}${approval.timeoutSeconds} s to answer)`;
}

/** 90 -> "90 s", 600 -> "10 min", 7200 -> "2 h", 86400 -> "1 day" */
function spanText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} ${seconds === 86_400 ? 'day' : 'days'}`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
