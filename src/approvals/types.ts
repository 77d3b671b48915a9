/**
 * Approvals asked of a person from a terminal (`policy-wrap approvals`, `approve`, `deny`) live in
 * the counter store the wrapper uses: a SQLite file by default, Redis when shared, so a person can
 * answer from another terminal or machine. The wrapper asks and consumes; the CLI lists and decides.
 */

/** What one approval covers once given: this one call, the rest of the session, or a span of time. */
export type Remember = { kind: 'call' } | { kind: 'session' } | { kind: 'for'; ms: number };

/** One call waiting for a person, as the wrapper asked. Nothing in it is a secret in plain text. */
export interface ApprovalRequest {
  /** The tool called. */
  tool: string;
  /** Whose call it is; an approval never crosses grants. */
  grant: string;
  /** The wrapper session that asked; `remember: session` covers that session only. */
  session: string;
  /** `sha256:<hex>` of the canonical JSON of the arguments (src/audit/arguments.ts). */
  argumentsDigest: string;
  /** The arguments for a person to read, from renderArguments: values shortened, secret-looking members masked. */
  rendering: string;
  /** The server's command, as the person would recognise it: "plex-mcp-server". */
  server: string;
  remember: Remember;
}

export interface PendingApproval extends ApprovalRequest {
  /** Short, readable, unique among live approvals: "K7PQ-2M9D". */
  code: string;
  createdMs: number;
  /** After this, a pending approval is gone: the call must be asked again. */
  expiresMs: number;
}

export type ApprovalVerdict = 'approved' | 'denied';

export interface DecidedApproval extends PendingApproval {
  verdict: ApprovalVerdict;
  /** The OS user who ran `approve` or `deny`. */
  by: string;
  decidedMs: number;
  /**
   * Until when the verdict can be used by a call: an approval for `call` or `session` is usable
   * for the approval timeout after it was given (the agent must try again within it), one for
   * `for` until decidedMs + ms; a denial is reported to the next matching call within the same span.
   */
  usableUntilMs: number;
}

export type ApprovalRecord = PendingApproval | DecidedApproval;

export const isDecided = (record: ApprovalRecord): record is DecidedApproval => 'verdict' in record;

/** What a call finds when it looks for a verdict on itself. */
export type Lookup =
  | { kind: 'none' }
  /** Asked already and not answered yet: the same code is given again, nothing new is stored. */
  | { kind: 'pending'; approval: PendingApproval }
  /**
   * Answered. An approval for one `call` and a denial are used up by this lookup (removed, atomically:
   * two wrappers can never both use one); `session` and `for` approvals stay until they run out.
   */
  | { kind: 'decided'; approval: DecidedApproval };

export type MaybePromise<T> = T | Promise<T>;

export interface ApprovalStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /**
   * The verdict or pending request for a call of `tool` with `argumentsDigest` by `grant` in
   * `session` (a `session` approval matches only its own session), ignoring expired records.
   */
  lookup(call: { tool: string; grant: string; session: string; argumentsDigest: string }, nowMs: number): MaybePromise<Lookup>;
  /** Stores a new pending approval valid for `timeoutMs` and returns it with its new code. */
  ask(request: ApprovalRequest, timeoutMs: number, nowMs: number): MaybePromise<PendingApproval>;
  /** Every live record (pending, and decided ones still usable), oldest first. */
  list(nowMs: number): MaybePromise<ApprovalRecord[]>;
  /** A live record by code (case-insensitive, dash optional), or undefined. */
  get(code: string, nowMs: number): MaybePromise<ApprovalRecord | undefined>;
  /**
   * Answers a pending approval. False when there is no pending approval with that code (expired,
   * already decided, never existed): the caller says so.
   */
  decide(code: string, verdict: ApprovalVerdict, by: string, nowMs: number): MaybePromise<boolean>;
  close(): Promise<void>;
}
