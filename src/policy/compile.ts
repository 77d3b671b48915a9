import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { ArgumentSchemaCompiler, type ArgumentsCheck } from './argument-schemas.js';
import { sha256Hex } from './digest.js';
import { compareSpecificity, GlobSyntaxError, matchGlob, parseGlob, type Glob } from './glob.js';
import { pointerOf } from './pointer.js';
import { describeSchemaCompileError } from './schema-compile-errors.js';
import type { ApprovalRule } from './evaluate.js';
import type { ApprovalSettings, LimitRule, PolicyDocument, Scope, ToolRule } from './types.js';
import { isObject } from '../shared/values.js';

export interface CompiledLimit {
  /** Where the limit is written: "/tools/trakt_authenticate/limits/0" or "/limits/0". */
  readonly pointer: string;
  /** The `counter` name, or the pointer when none is given (one budget per limit). */
  readonly counter: string;
  readonly windowMs: number;
  readonly max: number;
  readonly scope: Scope;
  /** Path into the call ({tool, arguments}), split at dots: ["arguments", "ratingKey"]. */
  readonly per: readonly string[] | undefined;
  /** "at most 10 calls per minute for trakt_authenticate" */
  readonly description: string;
}

export interface CompiledRule {
  /** The key as written in `tools`. */
  readonly key: string;
  /** "/tools/<key>" */
  readonly pointer: string;
  readonly glob: Glob;
  /** `ask`: allowed once a person approves (see `approval`). */
  readonly action: 'allow' | 'deny' | 'ask';
  /** `approval` with its defaults, for an `ask` rule only. */
  readonly approval: ApprovalRule | undefined;
  /** `reason` or `on_deny` as written. */
  readonly reason: string | undefined;
  /** Hidden from tools/list when the rule denies (default true). */
  readonly hide: boolean;
  readonly limits: readonly CompiledLimit[];
  /** The `arguments` schema as written, and its compiled check. */
  readonly argumentsSchema: ToolRule['arguments'];
  readonly checkArguments: ArgumentsCheck | undefined;
  readonly timeoutMs: number | undefined;
}

/** A problem found while compiling, named by pointer; the loader turns it into a located Problem. */
export interface CompileIssue {
  pointer: string;
  part: 'key' | 'value';
  code: 'policy.bad-glob' | 'policy.bad-arguments-schema' | 'policy.unsupported-pattern' | 'policy.conflicting-fields';
  message: string;
}

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; issues: CompileIssue[] };

export interface CompileOptions {
  /** The namespace of a document without `namespace` (see namespaceOfFile); none by default. */
  defaultNamespace?: string;
}

const namedWindows = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/**
 * Which rule decides a name, remembered per policy for up to 10,000 names and 1 MiB of them: clients
 * choose names, so the memory is bounded in both. A name over MAX_TOOL_NAME_LENGTH is never kept.
 */
const ruleCacheBounds = { maxEntries: 10_000, maxBytes: 1024 * 1024, sizeOf: (tool: string) => ENTRY_BYTES + stringBytes(tool) };

/** A policy ready for evaluation: patterns parsed, precedence fixed, argument schemas compiled. */
export class CompiledPolicy {
  readonly document: PolicyDocument;
  readonly default: 'allow' | 'deny';
  readonly mode: 'enforce' | 'monitor';
  readonly inputSchema: 'enforce' | 'ignore';
  /** Starts every budget key: `namespace` as written, else the default given to the compiler. */
  readonly namespace: string | undefined;
  /** Every tool rule, most specific first: the first that matches a name decides. */
  readonly rules: readonly CompiledRule[];
  /** Top-level limits, claimed by every allowed call. */
  readonly limits: readonly CompiledLimit[];
  private readonly exact: ReadonlyMap<string, CompiledRule>;
  private readonly patterns: readonly CompiledRule[];
  private readonly chosen = new BoundedMap<string, CompiledRule | null>(ruleCacheBounds);

  constructor(document: PolicyDocument, rules: readonly CompiledRule[], limits: readonly CompiledLimit[], options: CompileOptions = {}) {
    this.document = document;
    this.namespace = typeof document.namespace === 'string' ? document.namespace : options.defaultNamespace;
    this.default = document.default;
    this.mode = document.mode ?? 'enforce';
    this.inputSchema = document.input_schema ?? 'ignore';
    this.rules = [...rules].sort((a, b) => compareSpecificity(a.glob, b.glob));
    this.limits = limits;
    this.exact = new Map(this.rules.filter((rule) => rule.glob.exact !== undefined).map((rule) => [rule.glob.exact as string, rule]));
    this.patterns = this.rules.filter((rule) => rule.glob.exact === undefined);
  }

  /** The one rule that decides calls of `tool`, or undefined when the default does. */
  ruleFor(tool: string): CompiledRule | undefined {
    const known = this.chosen.get(tool);
    if (known !== undefined) return known ?? undefined;
    const rule = this.exact.get(tool) ?? this.patterns.find((candidate) => matchGlob(candidate.glob, tool));
    // The gate refuses calls to longer names unjudged; one looked up anyway (a listed tool) is not kept.
    if (tool.length <= MAX_TOOL_NAME_LENGTH) this.chosen.set(tool, rule ?? null);
    return rule;
  }
}

/**
 * Compiles what it can and reports every issue. Parts of the document of the wrong shape are
 * skipped, not reported: the schema reports those, and the loader only uses a policy from a
 * document that passed it.
 */
export function tryCompilePolicy(document: PolicyDocument, options: CompileOptions = {}): CompileResult {
  const issues: CompileIssue[] = [];
  const arguments_ = new ArgumentSchemaCompiler();
  const rules: CompiledRule[] = [];
  const tools = isObject(document.tools) ? document.tools : {};
  for (const [key, rule] of Object.entries(tools)) {
    const pointer = pointerOf('tools', key);
    let glob: Glob | undefined;
    try {
      glob = parseGlob(key);
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      issues.push({ pointer, part: 'key', code: 'policy.bad-glob', message: `bad pattern ${JSON.stringify(key)}: ${error.message}` });
    }
    if (!isObject(rule)) continue;
    const subject = glob === undefined ? key : (glob.exact ?? `tools matching ${key}`);
    const compiled = compileRule({ key, pointer, rule: rule as ToolRule, subject }, arguments_, issues);
    if (glob !== undefined && compiled !== undefined) rules.push({ ...compiled, glob });
  }
  const limits = compileLimits(document.limits, pointerOf('limits'), 'all tools');
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, policy: new CompiledPolicy(document, rules, limits, options) };
}

function compileRule(
  { key, pointer, rule, subject }: { key: string; pointer: string; rule: ToolRule; subject: string },
  compiler: ArgumentSchemaCompiler,
  issues: CompileIssue[],
): Omit<CompiledRule, 'glob'> | undefined {
  const before = issues.length;
  if (rule.reason !== undefined && rule.on_deny !== undefined) {
    issues.push({
      pointer: `${pointer}/on_deny`,
      part: 'key',
      code: 'policy.conflicting-fields',
      message: '"on_deny" is another name for "reason"; give only one of them',
    });
  }
  if (rule.approval !== undefined && rule.action !== 'ask') {
    issues.push({
      pointer: `${pointer}/approval`,
      part: 'key',
      code: 'policy.conflicting-fields',
      message: `"approval" applies only to a rule with "action": "ask"; this rule ${rule.action === 'deny' ? 'denies every call' : 'allows calls without asking'}: add "action": "ask" or remove "approval"`,
    });
  }
  let checkArguments: ArgumentsCheck | undefined;
  if (rule.arguments !== undefined && (isObject(rule.arguments) || typeof rule.arguments === 'boolean')) {
    try {
      checkArguments = compiler.compile(rule.arguments);
    } catch (error) {
      const { code, at, part, message } = describeSchemaCompileError(rule.arguments, error);
      issues.push({ pointer: `${pointer}/arguments${at}`, part, code, message });
    }
  }
  if (issues.length > before) return undefined;
  return {
    key,
    pointer,
    action: rule.action ?? 'allow',
    approval: rule.action === 'ask' ? compileApproval(rule.approval) : undefined,
    reason: rule.reason ?? rule.on_deny,
    hide: rule.hide !== false,
    limits: compileLimits(rule.limits, `${pointer}/limits`, subject),
    argumentsSchema: rule.arguments,
    checkArguments,
    timeoutMs: typeof rule.timeout === 'number' ? Math.round(rule.timeout * 1000) : undefined,
  };
}

/** Default time a person has to answer: two minutes. */
export const defaultApprovalTimeoutMs = 120_000;

/** An `ask` rule's approval, defaults filled in; parts of the wrong shape (the schema reports them) take the default. */
function compileApproval(approval: ApprovalSettings | undefined): ApprovalRule {
  const settings: ApprovalSettings = isObject(approval) ? approval : {};
  const timeoutMs = typeof settings.timeout === 'number' && settings.timeout > 0 ? Math.round(settings.timeout * 1000) : defaultApprovalTimeoutMs;
  const remember: ApprovalRule['remember'] =
    settings.remember === 'session'
      ? { kind: 'session' }
      : typeof settings.remember === 'number' && Number.isInteger(settings.remember) && settings.remember >= 1
        ? { kind: 'for', ms: settings.remember * 1000 }
        : { kind: 'call' };
  return { timeoutMs, remember };
}

function compileLimits(limits: unknown, pointer: string, subject: string): CompiledLimit[] {
  if (!Array.isArray(limits)) return [];
  return limits.filter(isObject).map((limit, index) => compileLimit(limit as unknown as LimitRule, `${pointer}/${index}`, subject));
}

function compileLimit(limit: LimitRule, pointer: string, subject: string): CompiledLimit {
  const windowMs = typeof limit.window === 'number' ? limit.window * 1000 : namedWindows[limit.window];
  const scope = limit.scope ?? 'grant';
  const per = typeof limit.per === 'string' ? limit.per.split('.') : undefined;
  return {
    pointer,
    counter: limit.counter ?? pointer,
    windowMs,
    max: limit.max,
    scope,
    per,
    description: describeLimit(limit, subject),
  };
}

function describeLimit(limit: LimitRule, subject: string): string {
  const window = typeof limit.window === 'number' ? (limit.window === 1 ? 'second' : `${limit.window} seconds`) : limit.window;
  const scope = { grant: '', session: ', per session', global: ', across all clients' }[limit.scope ?? 'grant'];
  const per = limit.per === undefined ? '' : limit.per === 'tool' ? ', counted per tool' : `, counted per distinct ${limit.per}`;
  return `at most ${limit.max} ${limit.max === 1 ? 'call' : 'calls'} per ${window} for ${subject}${scope}${per}`;
}

/**
 * The namespace of a policy file that names none: a short digest of its real path (symbolic links
 * resolved), so every wrapper started with the same file shares its budgets, and wrappers of other
 * files, whose limits may sit at the same pointers, never do.
 */
export function namespaceOfFile(realPath: string): string {
  return `file:${sha256Hex(realPath).slice(0, 16)}`;
}

