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
  /** resources/read and resources/subscribe by URI; resource lists filtered. */
  resources?: Section<ResourceRule>;
  /** prompts/get by name; prompts/list filtered. */
  prompts?: Section<PromptRule>;
  /** enforce: check each call against the inputSchema the server advertised for the tool. */
  input_schema?: 'enforce' | 'ignore';
  /** Starts every budget key; default: derived from the policy file's real path. */
  namespace?: string;
  /** PolicyLayer's spelling: `all_tools.limits` are the same as top-level `limits` (both apply). */
  all_tools?: { limits?: LimitRule[] };
  /** Names or patterns hidden from tools/list and denied as unknown, whatever `tools` says; "*" hides all. */
  hide?: string[];
  /** Tool-definition pinning: off (default), warn (log and audit a change), enforce (hide and refuse a changed tool). */
  pin?: PinMode;
  /** What the server may ask of the client: sampling, elicitation, roots. Absent: all allowed. */
  server_requests?: ServerRequestRules;
}

/** The server's requests to the client, by kind: `sampling/createMessage`, `elicitation/create`, `roots/list`. */
export interface ServerRequestRules {
  sampling?: ServerRequestRule;
  elicitation?: ServerRequestRule;
  roots?: ServerRequestRule;
}

export interface ServerRequestRule {
  /** allow (default) or deny. */
  action?: 'allow' | 'deny';
  /** Told to the server (in the error it gets) when this rule refuses a request. */
  reason?: string;
  limits?: LimitRule[];
}

/** One entry of a tool rule's `redact`: a pattern (RE2 syntax) or a named detector. */
export type RedactEntry = { pattern: string; replace?: string } | { detector: RedactDetector; replace?: string };

export type RedactDetector = 'secret-members' | 'pem-private-keys' | 'bearer-tokens';

export type PinMode = 'off' | 'warn' | 'enforce';

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
  /** Replaced in the result before the client sees it: patterns and named detectors. */
  redact?: RedactEntry[];
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
  /** A JSON Schema the call's arguments must satisfy for the limit to apply. */
  when?: Record<string, unknown> | boolean;
  /** admitted (default): every call let through counts; succeeded: calls the server fails are given back. */
  count?: 'admitted' | 'succeeded';
}

/** `resources` or `prompts`: its own default (else the top-level one) and rules by pattern. */
export interface Section<Rule> {
  default?: 'allow' | 'deny';
  /** Keys are exact URIs or names, or glob patterns with the syntax of tool names. */
  rules?: Record<string, Rule>;
}

/** A rule of `resources.rules`: a tool rule without `arguments`. */
export type ResourceRule = Omit<ToolRule, 'arguments'>;

/** A rule of `prompts.rules`: a tool rule without `timeout`; `arguments` checks prompts/get's arguments. */
export type PromptRule = Omit<ToolRule, 'timeout'>;
