/** The policy document as written by users (after validation against schemas/policy.schema.json). */
export interface PolicyDocument {
  $schema?: string;
  version: '1';
  default: 'allow' | 'deny';
  /** enforce (default): block what the policy denies; monitor: decide and audit, block nothing */
  mode?: 'enforce' | 'monitor';
  /** Keys are exact tool names or glob patterns (`playlist_*`, `*`). */
  tools?: Record<string, ToolRule>;
  /** Limits that apply to every call of every tool. */
  limits?: LimitRule[];
  /** enforce: check each call against the inputSchema the server advertised for the tool. */
  input_schema?: 'enforce' | 'ignore';
  /** Starts every budget key; default: derived from the policy file's real path. */
  namespace?: string;
}

export interface ToolRule {
  /** A listed tool without `action` is allowed; `ask`: a person approves each call first. */
  action?: 'allow' | 'deny' | 'ask';
  /** Shown to the agent when the call is denied. */
  reason?: string;
  /** Synonym of `reason`. */
  on_deny?: string;
  /** Whether a denied tool disappears from tools/list (denied tools are hidden by default). */
  hide?: boolean;
  limits?: LimitRule[];
  /** A JSON Schema the call's arguments must satisfy. */
  arguments?: Record<string, unknown> | boolean;
  /** Seconds the server gets to answer a call of this tool (once approved, for `ask`). */
  timeout?: number;
  /** How a person approves calls; only with `action: "ask"`. */
  approval?: ApprovalSettings;
}

/** A rule's `approval` as written. */
export interface ApprovalSettings {
  /** Seconds a person has to answer; default 120. */
  timeout?: number;
  /** What one approval covers: this call (default), the rest of the session, or that many seconds. */
  remember?: 'call' | 'session' | number;
}

export type Scope = 'grant' | 'session' | 'global';

export type WindowName = 'second' | 'minute' | 'hour' | 'day';

export interface LimitRule {
  /** Rules that name the same counter share one budget; default: one counter per rule. */
  counter?: string;
  /** A named window or a whole number of seconds. */
  window: WindowName | number;
  max: number;
  /** Who shares the budget; default grant. */
  scope?: Scope;
  /** A path into the call, e.g. "arguments.ratingKey": a separate budget per distinct value. */
  per?: string;
}
