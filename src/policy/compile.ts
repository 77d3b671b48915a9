import { ArgumentSchemaCompiler, type ArgumentsCheck } from './argument-schemas.js';
import { sha256Hex } from './digest.js';
import { GlobSyntaxError, matchGlob, parseGlob, type Glob } from './glob.js';
import { pointerOf } from './pointer.js';
import { RuleIndex } from './rule-index.js';
import { CompiledSection, type SectionName } from './sections.js';
import { describeSchemaCompileError } from './schema-compile-errors.js';
import { compileRedaction, type Redaction } from './redaction.js';
import type { ApprovalRule } from './evaluate.js';
import type { ApprovalSettings, LimitRule, PinMode, PolicyDocument, RedactEntry, Scope, Section, ToolRule } from './types.js';
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
  /** The limit applies only to calls whose arguments pass this check (`when`). */
  readonly when: ArgumentsCheck | undefined;
  /** succeeded: a call the server fails is given back. */
  readonly count: 'admitted' | 'succeeded';
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
  /** `redact`, compiled; undefined when the rule has none or denies every call. */
  readonly redaction?: Redaction;
}

/** The kinds of request a server makes of the client that `server_requests` governs, by method. */
export const serverRequestKinds = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation', 'roots/list': 'roots' } as const;

export type ServerRequestKind = (typeof serverRequestKinds)[keyof typeof serverRequestKinds];

/** One rule of `server_requests`, compiled. */
export interface CompiledServerRequestRule {
  readonly kind: ServerRequestKind;
  /** "/server_requests/sampling" */
  readonly pointer: string;
  readonly action: 'allow' | 'deny';
  readonly reason: string | undefined;
  readonly limits: readonly CompiledLimit[];
}

/** A problem found while compiling, named by pointer; the loader turns it into a located Problem. */
export interface CompileIssue {
  pointer: string;
  part: 'key' | 'value';
  code: 'policy.bad-glob' | 'policy.bad-arguments-schema' | 'policy.unsupported-pattern' | 'policy.conflicting-fields' | 'policy.bad-pattern';
  message: string;
}

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; issues: CompileIssue[] };

export interface CompileOptions {
  /** The namespace of a document without `namespace` (see namespaceOfFile); none by default. */
  defaultNamespace?: string;
}

const namedWindows = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
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
  /** Top-level limits, claimed by every allowed call (`limits`, then `all_tools.limits`). */
  readonly limits: readonly CompiledLimit[];
  /** Tool-definition pinning (`pin`, default off). */
  readonly pin: PinMode;
  /** `resources` by URI and `prompts` by name, each with its own default or the top-level one. */
  readonly resources: CompiledSection;
  readonly prompts: CompiledSection;
  /** `server_requests` by kind; a kind not named is allowed. */
  readonly serverRequests: Partial<Record<ServerRequestKind, CompiledServerRequestRule>>;
  /** `hide` entries: tools matching one are hidden and denied whatever their rule. */
  readonly hidden: readonly HideEntry[];
  private readonly hiddenExact: ReadonlyMap<string, HideEntry>;
  private readonly hiddenPatterns: readonly HideEntry[];
  private readonly index: RuleIndex<CompiledRule>;

  constructor(document: PolicyDocument, rules: readonly CompiledRule[], limits: readonly CompiledLimit[], options: CompileOptions = {}, sections: Partial<Record<SectionName, CompiledSection>> = {}, serverRequests: CompiledPolicy['serverRequests'] = {}) {
    this.document = document;
    this.serverRequests = serverRequests;
    this.resources = sections.resources ?? new CompiledSection('resources', [], { default: undefined, inherited: document.default });
    this.prompts = sections.prompts ?? new CompiledSection('prompts', [], { default: undefined, inherited: document.default });
    this.namespace = typeof document.namespace === 'string' ? document.namespace : options.defaultNamespace;
    this.default = document.default;
    this.mode = document.mode ?? 'enforce';
    this.inputSchema = document.input_schema ?? 'ignore';
    this.index = new RuleIndex(rules);
    this.rules = this.index.rules;
    this.limits = limits;
    this.pin = document.pin ?? 'off';
    this.hidden = hideEntries(document.hide);
    this.hiddenExact = new Map(this.hidden.filter((entry) => entry.glob.exact !== undefined).map((entry) => [entry.glob.exact as string, entry]));
    this.hiddenPatterns = this.hidden.filter((entry) => entry.glob.exact === undefined);
  }

  /** The one rule that decides calls of `tool`, or undefined when the default does. */
  ruleFor(tool: string): CompiledRule | undefined {
    return this.index.ruleFor(tool);
  }

  /** The first `hide` entry that matches `tool`, exact names first; undefined when none does. */
  hiddenBy(tool: string): HideEntry | undefined {
    if (this.hidden.length === 0) return undefined;
    return this.hiddenExact.get(tool) ?? this.hiddenPatterns.find((entry) => matchGlob(entry.glob, tool));
  }
}

/** One entry of `hide`: "/hide/0" and its pattern. */
export interface HideEntry {
  readonly pointer: string;
  readonly pattern: string;
  readonly glob: Glob;
}

/** The `hide` entries that parse; the others are reported by tryCompilePolicy (the policy is then not used). */
function hideEntries(hide: unknown): HideEntry[] {
  if (!Array.isArray(hide)) return [];
  const entries: HideEntry[] = [];
  hide.forEach((pattern: unknown, index) => {
    if (typeof pattern !== 'string' || pattern === '') return;
    try {
      entries.push({ pointer: pointerOf('hide', String(index)), pattern, glob: parseGlob(pattern) });
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
    }
  });
  return entries;
}

function hideIssues(hide: unknown): CompileIssue[] {
  if (!Array.isArray(hide)) return [];
  return hide.flatMap((pattern: unknown, index): CompileIssue[] => {
    if (typeof pattern !== 'string' || pattern === '') return [];
    try {
      parseGlob(pattern);
      return [];
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      return [{ pointer: pointerOf('hide', String(index)), part: 'value', code: 'policy.bad-glob', message: `bad pattern ${JSON.stringify(pattern)}: ${error.message}` }];
    }
  });
}

/**
 * Compiles what it can and reports every issue. Parts of the document of the wrong shape are
 * skipped, not reported: the schema reports those, and the loader only uses a policy from a
 * document that passed it.
 */
export function tryCompilePolicy(document: PolicyDocument, options: CompileOptions = {}): CompileResult {
  const issues: CompileIssue[] = [];
  const arguments_ = new ArgumentSchemaCompiler();
  const rules = compileRuleSet(document.tools, (key) => pointerOf('tools', key), (key, glob) => glob.exact ?? `tools matching ${key}`, arguments_, issues);
  const limits = compileLimits(document.limits, pointerOf('limits'), 'all tools', arguments_, issues);
  // PolicyLayer's all_tools.limits mean what top-level limits mean; given both, both apply.
  const allTools = isObject(document.all_tools) ? document.all_tools.limits : undefined;
  limits.push(...compileLimits(allTools, pointerOf('all_tools', 'limits'), 'all tools', arguments_, issues));
  issues.push(...hideIssues(document.hide));
  const sections = { resources: compileSection(document, 'resources', arguments_, issues), prompts: compileSection(document, 'prompts', arguments_, issues) };
  const serverRequests = compileServerRequests(document.server_requests, arguments_, issues);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, policy: new CompiledPolicy(document, rules, limits, options, sections, serverRequests) };
}

/**
 * Rules by name or pattern (`tools`, or a section's `rules`): each key parsed as a glob, each rule
 * compiled. A bad pattern is reported and its rule still compiled, so its own problems show too.
 */
function compileRuleSet(
  written: unknown,
  pointerFor: (key: string) => string,
  subjectFor: (key: string, glob: Glob) => string,
  compiler: ArgumentSchemaCompiler,
  issues: CompileIssue[],
): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const [key, rule] of Object.entries(isObject(written) ? written : {})) {
    const pointer = pointerFor(key);
    let glob: Glob | undefined;
    try {
      glob = parseGlob(key);
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      issues.push({ pointer, part: 'key', code: 'policy.bad-glob', message: `bad pattern ${JSON.stringify(key)}: ${error.message}` });
    }
    if (!isObject(rule)) continue;
    const subject = glob === undefined ? key : subjectFor(key, glob);
    const compiled = compileRule({ key, pointer, rule: rule as ToolRule, subject }, compiler, issues);
    if (glob !== undefined && compiled !== undefined) rules.push({ ...compiled, glob });
  }
  return rules;
}

/** `server_requests`: each kind's rule, its limits counted like a tool rule's. */
function compileServerRequests(written: unknown, compiler: ArgumentSchemaCompiler, issues: CompileIssue[]): CompiledPolicy['serverRequests'] {
  const compiled: CompiledPolicy['serverRequests'] = {};
  if (!isObject(written)) return compiled;
  for (const [method, kind] of Object.entries(serverRequestKinds)) {
    const rule = written[kind];
    if (!isObject(rule)) continue;
    const pointer = pointerOf('server_requests', kind);
    const subject = `${method} from the server`;
    compiled[kind] = {
      kind,
      pointer,
      action: rule.action === 'deny' ? 'deny' : 'allow',
      reason: typeof rule.reason === 'string' ? rule.reason : undefined,
      limits: compileLimits(rule.limits, `${pointer}/limits`, subject, compiler, issues).map((limit) => ({ ...limit, description: limit.description.replace(/ calls? per /, (words) => words.replace('call', 'request')) })),
    };
  }
  return compiled;
}

/** `resources` or `prompts`: its rules compiled like tool rules, under "/resources/rules/<key>". */
function compileSection(document: PolicyDocument, name: SectionName, compiler: ArgumentSchemaCompiler, issues: CompileIssue[]): CompiledSection {
  const section = isObject(document[name]) ? (document[name] as Section<ToolRule>) : {};
  const subject = (key: string, glob: Glob): string => (glob.exact !== undefined ? `${name === 'resources' ? 'resource' : 'prompt'} ${glob.exact}` : `${name} matching ${key}`);
  const rules = compileRuleSet(section.rules, (key) => pointerOf(name, 'rules', key), subject, compiler, issues);
  const own = section.default === 'allow' || section.default === 'deny' ? section.default : undefined;
  return new CompiledSection(name, rules, { default: own, inherited: document.default });
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
  const checkArguments = compileSchema(rule.arguments, `${pointer}/arguments`, compiler, issues);
  const limits = compileLimits(rule.limits, `${pointer}/limits`, subject, compiler, issues);
  let redaction: Redaction | undefined;
  if (Array.isArray(rule.redact) && rule.action !== 'deny') {
    const compiled = compileRedaction(rule.redact.filter(isObject) as unknown as RedactEntry[]);
    if ('issues' in compiled) for (const issue of compiled.issues) issues.push({ pointer: `${pointer}/redact${issue.at}`, part: issue.code === 'policy.bad-pattern' ? 'value' : 'key', code: issue.code, message: issue.message });
    else if (compiled.redaction.steps.length > 0) redaction = compiled.redaction;
  }
  if (issues.length > before) return undefined;
  return {
    key,
    pointer,
    action: rule.action ?? 'allow',
    approval: rule.action === 'ask' ? compileApproval(rule.approval) : undefined,
    reason: rule.reason ?? rule.on_deny,
    hide: rule.hide !== false,
    limits,
    argumentsSchema: rule.arguments,
    checkArguments,
    timeoutMs: typeof rule.timeout === 'number' ? Math.round(rule.timeout * 1000) : undefined,
    ...(redaction === undefined ? {} : { redaction }),
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

function compileLimits(limits: unknown, pointer: string, subject: string, compiler: ArgumentSchemaCompiler, issues: CompileIssue[]): CompiledLimit[] {
  if (!Array.isArray(limits)) return [];
  return limits.flatMap((limit, index) => (isObject(limit) ? [compileLimit(limit as unknown as LimitRule, `${pointer}/${index}`, subject, compiler, issues)] : []));
}

/** A schema of the policy (`arguments`, `when`), compiled; undefined when absent, or when it does not compile (said in `issues`). */
function compileSchema(schema: unknown, pointer: string, compiler: ArgumentSchemaCompiler, issues: CompileIssue[]): ArgumentsCheck | undefined {
  if (!isObject(schema) && typeof schema !== 'boolean') return undefined;
  try {
    return compiler.compile(schema);
  } catch (error) {
    const { code, at, part, message } = describeSchemaCompileError(schema, error);
    issues.push({ pointer: `${pointer}${at}`, part, code, message });
    return undefined;
  }
}

function compileLimit(limit: LimitRule, pointer: string, subject: string, compiler: ArgumentSchemaCompiler, issues: CompileIssue[]): CompiledLimit {
  const when = compileSchema(limit.when, `${pointer}/when`, compiler, issues);
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
    when,
    count: limit.count === 'succeeded' ? 'succeeded' : 'admitted',
  };
}

function describeLimit(limit: LimitRule, subject: string): string {
  const window = typeof limit.window === 'number' ? (limit.window === 1 ? 'second' : `${limit.window} seconds`) : limit.window;
  const scope = { grant: '', session: ', per session', global: ', across all clients' }[limit.scope ?? 'grant'];
  const per = limit.per === undefined ? '' : limit.per === 'tool' ? ', counted per tool' : `, counted per distinct ${limit.per}`;
  const when = limit.when === undefined ? '' : ', when the arguments match its "when"';
  const count = limit.count === 'succeeded' ? ', counting only calls that succeed' : '';
  return `at most ${limit.max} ${limit.max === 1 ? 'call' : 'calls'} per ${window} for ${subject}${scope}${per}${when}${count}`;
}

/**
 * The namespace of a policy file that names none: a short digest of its real path (symbolic links
 * resolved), so every wrapper started with the same file shares its budgets, and wrappers of other
 * files, whose limits may sit at the same pointers, never do.
 */
export function namespaceOfFile(realPath: string): string {
  return `file:${sha256Hex(realPath).slice(0, 16)}`;
}

