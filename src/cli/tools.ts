import { resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import { formatProblem, loadPolicyFile, type CompiledPolicy } from '../policy/index.js';
import { hintLabels } from '../tools/hints.js';
import { toolRows, type LimitSummary, type ToolDecision, type ToolRow } from '../tools/rows.js';
import { colours } from './colour.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import { expandHome } from './home-path.js';
import type { CliIo } from './io.js';
import { listServerTools } from './server-tools.js';
import { timeoutOption, timeoutSeconds } from './timeout-option.js';

const USAGE = 'policy-wrap tools [--policy <file>] [--format text|json] -- <command> [args...]';

interface ToolsOptions {
  policy?: string;
  format: 'text' | 'json';
  timeout: string;
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap tools',
    usage: '[--policy <file>] [--format text|json] -- <command> [args...]',
    description:
      "Start an MCP server, read its tools and show, for each one, what the server's annotations claim and what the " +
      'policy does with its calls: allowed, limited, denied (the agent sees why) or hidden. Nothing is called.',
    io,
    say,
  })
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
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

  // The policy first: a policy that cannot be used is reported without starting the server.
  const named = options.policy ?? (io.env.POLICY_WRAP_POLICY || undefined) ?? 'policy.json';
  const loaded = loadPolicyFile(resolve(io.cwd, expandHome(named, io.env)), named);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem)}\n`);
    say.fail(`${named} cannot be used; fix the problems above (policy-wrap lint ${named} lists them too)`);
    return ExitCode.usage;
  }

  const rows = toolRows(await listServerTools(command, { timeoutSeconds: timeout, clientName: 'policy-wrap-tools', codePrefix: 'tools' }, io), loaded.policy);
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    io.stdout.write(renderTable(rows, loaded.policy, colours(io.stdout, io.env)));
  }
  return ExitCode.ok;
}

const paint: Record<ToolDecision, (chalk: ChalkInstance, text: string) => string> = {
  allowed: (chalk, text) => chalk.green(text),
  limited: (chalk, text) => chalk.yellow(text),
  denied: (chalk, text) => chalk.red(text),
  hidden: (chalk, text) => chalk.dim.red(text),
};

/**
 * One line per tool (name, the server's hints, what the policy does), then what applies to every
 * tool. Columns are padded before colouring, so the layout is the same with and without colour.
 */
export function renderTable(rows: readonly ToolRow[], policy: CompiledPolicy, chalk: ChalkInstance): string {
  const hints = rows.map((row) => hintLabels(row.hints).join(', ') || '(no hints)');
  const nameWidth = Math.max('TOOL'.length, ...rows.map((row) => row.name.length));
  const hintWidth = Math.max('SERVER HINTS'.length, ...hints.map((text) => text.length));
  const lines = [chalk.bold(`${'TOOL'.padEnd(nameWidth)}  ${'SERVER HINTS'.padEnd(hintWidth)}  POLICY`)];
  rows.forEach((row, index) => {
    const [word, rest] = decisionText(row);
    lines.push(`${row.name.padEnd(nameWidth)}  ${chalk.dim((hints[index] ?? '').padEnd(hintWidth))}  ${paint[row.decision](chalk, word)}${rest}`);
  });
  lines.push('', ...summary(rows, policy));
  return `${lines.join('\n')}\n`;
}

/** The decision word, coloured by the caller, and the details after it. */
function decisionText(row: ToolRow): [string, string] {
  if (row.decision === 'denied' || row.decision === 'hidden') {
    return [row.decision, `${row.enforced ? '' : ' (monitor mode: forwarded anyway)'}: ${row.reason ?? ''}`];
  }
  const details: string[] = [];
  if (row.argumentsChecked) details.push(row.checkedArguments.length > 0 ? `checks arguments ${row.checkedArguments.join(', ')}` : 'checks arguments');
  if (row.timeoutSeconds !== undefined) details.push(`timeout ${row.timeoutSeconds} s`);
  const limits = row.decision === 'limited' ? `: ${row.limits.map((limit) => limitText(row.name, limit)).join('; ')}` : '';
  return [row.decision, `${limits}${details.map((detail) => ` · ${detail}`).join('')}`];
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

function summary(rows: readonly ToolRow[], policy: CompiledPolicy): string[] {
  const count = (decision: ToolDecision): number => rows.filter((row) => row.decision === decision).length;
  const lines = [
    `${rows.length} ${rows.length === 1 ? 'tool' : 'tools'}: ${count('allowed')} allowed, ${count('limited')} limited, ` +
      `${count('denied')} denied (visible), ${count('hidden')} hidden.`,
  ];
  if (policy.limits.length > 0) lines.push(`Every allowed call also counts toward: ${policy.limits.map((limit) => limit.description).join('; ')}.`);
  if (policy.inputSchema === 'enforce') lines.push("Allowed calls must also match the tool's advertised input schema (input_schema: enforce).");
  if (policy.mode === 'monitor') lines.push('Monitor mode: nothing is blocked or hidden; refusals are only recorded.');
  lines.push("Hints are the server's own claims; policy-wrap does not check them.");
  return lines;
}
