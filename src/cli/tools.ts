import type { ChalkInstance } from 'chalk';
import { Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import { budgetClaims, type BudgetClaim, type CompiledPolicy } from '../policy/index.js';
import { hintLabels } from '../tools/hints.js';
import { approvalText } from '../tools/approval.js';
import { toolRows, type BudgetUse, type LimitSummary, type ToolDecision, type ToolRow } from '../tools/rows.js';
import { budgetReader, type BudgetReader } from './budget-use.js';
import { colours } from './colour.js';
import { usablePolicy } from './policy-file.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { listServerTools } from './server-tools.js';
import { checkedStateSpec } from './state-option.js';
import { timeoutOption, timeoutSeconds } from './timeout-option.js';
import { grantOf } from './wrap-options.js';

const USAGE = 'policy-wrap tools [--policy <file>] [--state <where>] [--grant <name>] [--format text|json] -- <command> [args...]';

interface ToolsOptions {
  policy?: string;
  state?: string;
  statePrefix?: string;
  grant?: string;
  format: 'text' | 'json';
  timeout: string;
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap tools',
    usage: '[--policy <file>] [--state <where>] [--grant <name>] [--format text|json] -- <command> [args...]',
    description:
      "Start an MCP server, read its tools and show, for each one, what the server's annotations claim and what the " +
      'policy does with its calls: allowed, limited (with how much of each budget is used now, read from the counter ' +
      'store), ask (a person approves each call), denied (the agent sees why) or hidden. Nothing is called and nothing is counted.',
    io,
    say,
  })
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
    .option('--state <where>', 'where counters live, as for the wrapper: memory, a SQLite file or redis://… (default: $POLICY_WRAP_STATE, else the default SQLite file)')
    .option('--state-prefix <prefix>', 'prefix of every Redis key (default "policy-wrap:")')
    .option('-g, --grant <name>', 'whose `scope: "grant"` budgets to read (default: $POLICY_WRAP_GRANT, else "default")')
    .addOption(new Option('--format <format>', 'a table for people, or a JSON array for scripts').choices(['text', 'json']).default('text'))
    .addOption(timeoutOption('seconds the server gets to start and to list its tools'))
    .addHelpText('after', '\nExit codes: 0 shown, 1 the server failed or stopped, 2 bad usage or a policy with errors, 127 command not found.');
}

/** `policy-wrap tools [--policy file] [--format text|json] [--timeout s] -- <command> [args...]` */
export async function toolsCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap tools', io);
  return runCommand(say, () => tools(own, command, io, say));
}

async function tools(own: string[], command: string[] | undefined, io: CliIo, say: Say): Promise<number> {
  const options = program(io, say).parse(own, { from: 'user' }).opts<ToolsOptions>();
  if (command === undefined || command.length === 0) {
    say.fail(`give the server command after --; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  const timeout = timeoutSeconds(options.timeout);
  const state = checkedStateSpec(options.state, io.env);

  // The policy first: a policy that cannot be used is reported without starting the server.
  const policy = usablePolicy(options, io, say);
  if (policy === undefined) return ExitCode.usage;

  const rows = toolRows(await listServerTools(command, { timeoutSeconds: timeout, clientName: 'policy-wrap-tools', codePrefix: 'tools' }, io), policy);
  const reader = budgetReader({ state, statePrefix: options.statePrefix }, io, 'tools');
  let shared: SharedBudget[];
  try {
    shared = await readBudgetUse(rows, policy, grantOf(options, io), reader, Date.now());
  } finally {
    await reader.close();
  }
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    io.stdout.write(renderTable(rows, policy, colours(io.stdout, io.env), shared));
  }
  return ExitCode.ok;
}

/** A policy-wide budget with one figure for every tool, and its use. */
export interface SharedBudget {
  /** pointer of the limit */
  rule: string;
  use: BudgetUse;
}

/** A budget with a single figure: not per session, and not per argument value. */
function oneFigure(claim: BudgetClaim): boolean {
  return claim.scope !== 'session' && (claim.per === undefined || claim.per === 'tool');
}

/**
 * Fills in each limit's `use` from the store, in one read, and returns the use of the policy-wide
 * budgets that are the same for every tool. Claims are made as for a call without arguments by
 * `grant`; a budget counted per argument value or per session gets `use: null`.
 */
async function readBudgetUse(rows: readonly ToolRow[], policy: CompiledPolicy, grant: string, reader: BudgetReader, nowMs: number): Promise<SharedBudget[]> {
  const claimsOf = (tool: string): BudgetClaim[] => budgetClaims(policy, { tool, arguments: undefined, grant, session: '' });
  const wanted = new Map<string, BudgetClaim>();
  const perRow = rows.map((row) => {
    const byRule = new Map(claimsOf(row.name).map((claim) => [claim.rule, claim]));
    return row.limits.map((limit) => {
      const claim = byRule.get(limit.rule);
      if (claim === undefined || !oneFigure(claim)) return undefined;
      wanted.set(claim.key, claim);
      return claim;
    });
  });
  // Policy-wide limits with no `per` count the same key whatever the tool.
  const sharedClaims = policy.limits.filter((limit) => limit.per === undefined && limit.scope !== 'session').map((limit) => claimsOf('').find((claim) => claim.rule === limit.pointer));
  for (const claim of sharedClaims) if (claim !== undefined) wanted.set(claim.key, claim);

  const claims = [...wanted.values()];
  const peek = await reader.read(claims, nowMs);
  const useOf = new Map(claims.map((claim, index): [string, BudgetUse] => [claim.key, { used: peek.used[index] ?? 0, max: claim.max, windowMs: claim.windowMs, retryAfterMs: peek.retryAfterMs[index] ?? 0 }]));
  rows.forEach((row, index) => {
    row.limits.forEach((limit, limitIndex) => {
      const claim = perRow[index]?.[limitIndex];
      limit.use = claim === undefined ? null : (useOf.get(claim.key) ?? null);
    });
  });
  return sharedClaims.flatMap((claim) => {
    const use = claim === undefined ? undefined : useOf.get(claim.key);
    return claim === undefined || use === undefined ? [] : [{ rule: claim.rule, use }];
  });
}

const paint: Record<ToolDecision, (chalk: ChalkInstance, text: string) => string> = {
  allowed: (chalk, text) => chalk.green(text),
  limited: (chalk, text) => chalk.yellow(text),
  ask: (chalk, text) => chalk.magenta(text),
  denied: (chalk, text) => chalk.red(text),
  hidden: (chalk, text) => chalk.dim.red(text),
};

/**
 * One line per tool (name, the server's hints, what the policy does), then what applies to every
 * tool. Columns are padded before colouring, so the layout is the same with and without colour.
 */
export function renderTable(rows: readonly ToolRow[], policy: CompiledPolicy, chalk: ChalkInstance, shared: readonly SharedBudget[] = []): string {
  const hints = rows.map((row) => hintLabels(row.hints).join(', ') || '(no hints)');
  const nameWidth = Math.max('TOOL'.length, ...rows.map((row) => row.name.length));
  const hintWidth = Math.max('SERVER HINTS'.length, ...hints.map((text) => text.length));
  const lines = [chalk.bold(`${'TOOL'.padEnd(nameWidth)}  ${'SERVER HINTS'.padEnd(hintWidth)}  POLICY`)];
  rows.forEach((row, index) => {
    const [word, rest] = decisionText(row, chalk);
    lines.push(`${row.name.padEnd(nameWidth)}  ${chalk.dim((hints[index] ?? '').padEnd(hintWidth))}  ${paint[row.decision](chalk, word)}${rest}`);
  });
  lines.push('', ...summary(rows, policy, shared, chalk));
  return `${lines.join('\n')}\n`;
}

/** The decision word, coloured by the caller, and the details after it. */
function decisionText(row: ToolRow, chalk: ChalkInstance): [string, string] {
  if (row.decision === 'denied' || row.decision === 'hidden') {
    return [row.decision, `${row.enforced ? '' : ' (monitor mode: forwarded anyway)'}: ${row.reason ?? ''}`];
  }
  const details: string[] = [];
  if (row.argumentsChecked) details.push(row.checkedArguments.length > 0 ? `checks arguments ${row.checkedArguments.join(', ')}` : 'checks arguments');
  if (row.timeoutSeconds !== undefined) details.push(`timeout ${row.timeoutSeconds} s`);
  if (row.redacts !== undefined) details.push(`redacts answers (${row.redacts} ${row.redacts === 1 ? 'rule' : 'rules'})`);
  const limits = row.limits.map((limit) => `${limitText(row.name, limit)}${useText(limit.use, chalk)}`);
  const parts = row.approval === undefined ? limits : [`${approvalText(row.approval)}${row.enforced ? '' : ' (monitor mode: forwarded without asking)'}`, ...limits];
  return [row.decision, `${parts.length > 0 ? `: ${parts.join('; ')}` : ''}${details.map((detail) => ` · ${detail}`).join('')}`];
}


/** The engine's description without the tool's own name (the row says it), and who shares it. */
function limitText(tool: string, limit: LimitSummary): string {
  const escaped = tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const text = limit.description.replace(new RegExp(` for ${escaped}(?=,|$)`), '');
  const [only] = limit.sharedWith;
  if (only === undefined) return text;
  const others = limit.sharedWith.length === 1 ? only : `${limit.sharedWith.length} other tools`;
  return `${text}, shared with ${others}${limit.counter === undefined ? '' : ` (counter ${limit.counter})`}`;
}

/** " (3 of 10 used)", or " (10 of 10 used, room again in 42 s)" in yellow; nothing for a budget with no single figure. */
function useText(use: BudgetUse | null | undefined, chalk: ChalkInstance): string {
  if (use === undefined || use === null) return '';
  if (use.used < use.max) return chalk.dim(` (${use.used} of ${use.max} used)`);
  return chalk.yellow(` (${use.used} of ${use.max} used, room again in ${Math.max(1, Math.ceil(use.retryAfterMs / 1000))} s)`);
}

function summary(rows: readonly ToolRow[], policy: CompiledPolicy, shared: readonly SharedBudget[], chalk: ChalkInstance): string[] {
  const count = (decision: ToolDecision): number => rows.filter((row) => row.decision === decision).length;
  const lines = [
    `${rows.length} ${rows.length === 1 ? 'tool' : 'tools'}: ${count('allowed')} allowed, ${count('limited')} limited, ${count('ask')} asked, ` +
      `${count('denied')} denied (visible), ${count('hidden')} hidden.`,
  ];
  if (policy.limits.length > 0) {
    const useOf = (rule: string): string => useText(shared.find((budget) => budget.rule === rule)?.use, chalk);
    lines.push(`Every allowed call also counts toward: ${policy.limits.map((limit) => `${limit.description}${useOf(limit.pointer)}`).join('; ')}.`);
  }
  if (policy.inputSchema === 'enforce') lines.push("Allowed calls must also match the tool's advertised input schema (input_schema: enforce).");
  if (count('ask') > 0 && policy.mode === 'enforce') lines.push('Asked calls are checked and counted first: a person is asked only about a call that would otherwise go through.');
  if (policy.mode === 'monitor') lines.push('Monitor mode: nothing is blocked or hidden; refusals are only recorded.');
  if (policy.pin !== 'off') {
    lines.push(`Tool definitions are pinned (pin: ${policy.pin}): one the server changes later is ${policy.pin === 'enforce' ? 'hidden and refused until accepted with policy-wrap pin --accept' : 'reported on stderr and in the audit log'}.`);
  }
  lines.push("Hints are the server's own claims; policy-wrap does not check them.");
  return lines;
}
