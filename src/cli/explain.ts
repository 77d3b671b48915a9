import { randomUUID } from 'node:crypto';
import type { ChalkInstance } from 'chalk';
import { Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import { evaluate, evaluatePrompt, evaluateResource, type BudgetClaim, type CompiledPolicy, type Decision } from '../policy/index.js';
import { errorMessage } from '../shared/values.js';
import { approvalSummary, approvalText, type ApprovalSummary } from '../tools/approval.js';
import { budgetReader, type BudgetReader } from './budget-use.js';
import { colours } from './colour.js';
import { usablePolicy } from './policy-file.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { checkedStateSpec } from './state-option.js';
import { grantOf } from './wrap-options.js';

const USAGE = 'policy-wrap explain [--policy <file>] [--state <where>] [--grant <name>] [--format text|json] [--resource | --prompt] <tool> [arguments-json]';

interface ExplainOptions {
  policy?: string;
  state?: string;
  statePrefix?: string;
  grant?: string;
  format: 'text' | 'json';
  /** explain a resources/read of the URI given as <tool> */
  resource?: boolean;
  /** explain a prompts/get of the prompt named as <tool> */
  prompt?: boolean;
}

/** ask: checked and within its budgets, so the wrapper would ask a person, and forward the call once approved. */
export type ExplainDecision = 'allow' | 'ask' | 'deny' | 'hidden' | 'limited';

export interface ExplainedBudget {
  counter: string;
  /** pointer of the limit */
  rule: string;
  scope: BudgetClaim['scope'];
  description: string;
  /** calls counted in the window now; this call is not counted */
  used: number;
  max: number;
  windowMs: number;
  /** 0 while the budget has room */
  retryAfterMs: number;
}

/** What `--format json` prints. */
export interface Explanation {
  /** the tool name; with kind, the resource URI or the prompt name */
  tool: string;
  /** present for a resource read (--resource) or a prompt (--prompt) */
  kind?: 'resource' | 'prompt';
  decision: ExplainDecision;
  /**
   * whether the wrapper would send the call on to the server without anyone's say (monitor mode
   * forwards refusals and asked calls too); false for a call it would ask about (decision ask)
   */
  forwarded: boolean;
  /** JSON Pointer of what decided, or "(default)" */
  rule: string;
  reason: string | null;
  violations: string[];
  budgets: ExplainedBudget[];
  /** how a person would be asked (decision ask, also in monitor mode, where nobody is); otherwise null */
  approval: ApprovalSummary | null;
  notes: string[];
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap explain',
    usage: '[--policy <file>] [--state <where>] [--grant <name>] [--format text|json] <tool> [arguments-json]',
    description:
      'Say what the policy would do with one tools/call, without a server: allow, ask (a person must approve it), deny, hidden or limited, the rule ' +
      'that decides, what is wrong with the arguments, and each budget the call would take with its current use, ' +
      'read from the counter store. Nothing is counted.',
    io,
    say,
  })
    .argument('<tool>', 'the tool name')
    .argument('[arguments-json]', 'the call\'s arguments, a JSON object (default {})')
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
    .option('--state <where>', 'where counters live, as for the wrapper: memory, a SQLite file or redis://… (default: $POLICY_WRAP_STATE, else the default SQLite file)')
    .option('--state-prefix <prefix>', 'prefix of every Redis key (default "policy-wrap:")')
    .option('--resource', 'explain a resources/read of the URI given in place of <tool> (no arguments)')
    .option('--prompt', 'explain a prompts/get of the prompt named in place of <tool>, with its arguments')
    .option('-g, --grant <name>', 'whose `scope: "grant"` budgets to read (default: $POLICY_WRAP_GRANT, else "default")')
    .addOption(new Option('--format <format>', 'lines for people, or a JSON object for scripts').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExit codes: 0 the call would be forwarded, or asked about (decision "ask": forwarded once a person approves it; "forwarded" is false), ' +
        '1 it would be refused, 2 bad usage, a policy with errors, or a store that cannot be read.',
    );
}

/** `policy-wrap explain [--policy file] [--state where] [--grant name] [--format text|json] <tool> [arguments-json]` */
export async function explainCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap explain', io);
  return runCommand(say, () => explain(own, command, io, say));
}

async function explain(own: string[], command: string[] | undefined, io: CliIo, say: Say): Promise<number> {
  const cli = program(io, say).parse(own, { from: 'user' });
  const options = cli.opts<ExplainOptions>();
  const [tool, argumentsText] = cli.processedArgs as [string, string | undefined];
  if (command !== undefined) {
    say.fail(`explain starts no server: nothing goes after --; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  if (options.resource === true && (options.prompt === true || argumentsText !== undefined)) {
    say.fail(`--resource takes a URI and nothing else: no --prompt, no arguments-json; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  const args = parseArguments(argumentsText);
  if (typeof args === 'string') {
    say.fail(`${args}; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  const state = checkedStateSpec(options.state, io.env);

  const policy = usablePolicy(options, io, say);
  if (policy === undefined) return ExitCode.usage;

  const reader = budgetReader({ state, statePrefix: options.statePrefix }, io, 'explain');
  let explanation: Explanation;
  try {
    const kind = options.resource === true ? 'resource' : options.prompt === true ? 'prompt' : undefined;
    explanation = await explainCall(policy, { tool, arguments: args, grant: grantOf(options, io), ...(kind === undefined ? {} : { kind }) }, reader);
  } finally {
    await reader.close();
  }
  if (options.format === 'json') io.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
  else io.stdout.write(renderExplanation(explanation, colours(io.stdout, io.env)));
  return explanation.forwarded || explanation.decision === 'ask' ? ExitCode.ok : ExitCode.problems;
}

/** The arguments object, or what is wrong with the text. */
function parseArguments(text: string | undefined): Record<string, unknown> | string {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `arguments-json is not JSON (${errorMessage(error)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'arguments-json must be a JSON object, like {"limit": 10}';
  return value as Record<string, unknown>;
}

interface ExplainCall {
  tool: string;
  arguments: Record<string, unknown>;
  grant: string;
  /** a resources/read of the URI `tool`, or a prompts/get of the prompt `tool`; a tool call when absent */
  kind?: 'resource' | 'prompt';
}

/**
 * Decides the call as the wrapper would, reading (never counting) the budgets it would take.
 */
export async function explainCall(policy: CompiledPolicy, call: ExplainCall, reader: BudgetReader, nowMs = Date.now()): Promise<Explanation> {
  if (call.kind !== undefined) return explainRequest(policy, { ...call, kind: call.kind }, reader, nowMs);
  const notes: string[] = [];
  if (policy.inputSchema === 'enforce') {
    notes.push("input_schema is \"enforce\": the wrapper also checks the arguments against the tool's advertised input schema, which needs the server; not checked here");
  }
  // The advertised schema is the server's to give; here it is taken as accepting anything.
  const decision = evaluate(policy, { ...call, session: randomUUID(), advertisedSchema: { ok: true, check: () => [] } });
  return explained(policy, call, decision, reader, nowMs, notes);
}

/** A resources/read or prompts/get, decided as the wrapper would (resources/subscribe and completions follow the same allow or deny). */
async function explainRequest(policy: CompiledPolicy, call: ExplainCall & { kind: 'resource' | 'prompt' }, reader: BudgetReader, nowMs: number): Promise<Explanation> {
  const who = { grant: call.grant, session: randomUUID() };
  const decision = call.kind === 'resource' ? evaluateResource(policy, { uri: call.tool, ...who }) : evaluatePrompt(policy, { name: call.tool, arguments: call.arguments, ...who });
  return { kind: call.kind, ...(await explained(policy, call, decision, reader, nowMs, [])) };
}

async function explained(policy: CompiledPolicy, call: ExplainCall, decision: Decision, reader: BudgetReader, nowMs: number, notes: string[]): Promise<Explanation> {
  const monitor = policy.mode === 'monitor';
  if (monitor) notes.push('monitor mode: nothing is blocked; a refusal is only recorded and the call is forwarded anyway');

  if (decision.outcome === 'deny') {
    return {
      tool: call.tool,
      decision: decision.hidden && !monitor ? 'hidden' : 'deny',
      forwarded: monitor,
      rule: decision.rule,
      reason: decision.reason,
      violations: decision.violations ?? [],
      budgets: [],
      approval: null,
      notes,
    };
  }

  if (decision.budgets.some((claim) => claim.scope === 'session')) notes.push('session-scoped budgets are shown as for a new session: 0 used');
  const peek = await reader.read(decision.budgets, nowMs);
  const budgets = decision.budgets.map((claim, index): ExplainedBudget => ({
    counter: claim.counter,
    rule: claim.rule,
    scope: claim.scope,
    description: claim.description,
    used: peek.used[index] ?? 0,
    max: claim.max,
    windowMs: claim.windowMs,
    retryAfterMs: peek.retryAfterMs[index] ?? 0,
  }));
  const full = budgets.find((budget) => budget.used >= budget.max);
  if (full === undefined && decision.approval !== undefined) {
    if (monitor) notes.push('monitor mode: nobody is asked; the call is forwarded without approval');
    return { tool: call.tool, decision: 'ask', forwarded: monitor, rule: decision.rule, reason: null, violations: [], budgets, approval: approvalSummary(decision.approval), notes };
  }
  if (full === undefined) {
    return { tool: call.tool, decision: 'allow', forwarded: true, rule: decision.rule, reason: null, violations: [], budgets, approval: null, notes };
  }
  // A call over its budget is refused before anyone would be asked.
  return {
    tool: call.tool,
    decision: 'limited',
    forwarded: monitor,
    rule: full.rule,
    reason: `${full.description}; retry in ${Math.max(1, Math.ceil(full.retryAfterMs / 1000))} s`,
    violations: [],
    budgets,
    approval: null,
    notes,
  };
}

const paint: Record<ExplainDecision, (chalk: ChalkInstance, text: string) => string> = {
  allow: (chalk, text) => chalk.green(text),
  ask: (chalk, text) => chalk.magenta(text),
  limited: (chalk, text) => chalk.yellow(text),
  deny: (chalk, text) => chalk.red(text),
  hidden: (chalk, text) => chalk.dim.red(text),
};

/** A few lines, labels padded before colouring so the layout is the same with and without colour. */
export function renderExplanation(explanation: Explanation, chalk: ChalkInstance): string {
  const rows: [string, string][] = [
    ['decision', `${paint[explanation.decision](chalk, explanation.decision)}${explanation.forwarded ? '' : chalk.dim(explanation.decision === 'ask' ? ' (forwarded once a person approves)' : ' (refused)')}`],
    [explanation.kind ?? 'tool', explanation.tool],
    ['rule', explanation.rule],
  ];
  if (explanation.approval !== null) rows.push(['approval', approvalText(explanation.approval)]);
  if (explanation.reason !== null) rows.push(['reason', explanation.reason]);
  for (const violation of explanation.violations) rows.push(['violation', chalk.red(violation)]);
  const usedWidth = Math.max(0, ...explanation.budgets.map((budget) => `${budget.used}/${budget.max}`.length));
  for (const budget of explanation.budgets) {
    const count = `${budget.used}/${budget.max}`.padEnd(usedWidth);
    const full = budget.used >= budget.max;
    const retry = full ? `, retry in ${Math.max(1, Math.ceil(budget.retryAfterMs / 1000))} s` : '';
    rows.push(['budget', `${full ? chalk.yellow(count) : count}  ${budget.description} (counter ${budget.counter}, ${budget.scope}${retry})`]);
  }
  for (const note of explanation.notes) rows.push(['note', chalk.dim(note)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, text]) => `${chalk.bold(label.padEnd(width))}  ${text}`).join('\n')}\n`;
}
