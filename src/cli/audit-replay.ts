import { resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { Option } from 'commander';
import type { LoggedCall } from '../audit/logged-call.js';
import { Replayer, type ReplayedCall, type ReplayResult, type Verdict } from '../audit/replay.js';
import { ExitCode } from '../errors.js';
import { MemoryStore } from '../limits/memory-store.js';
import { loggedCalls } from './audit-log.js';
import { loadPolicyOrFail } from './audit-policy.js';
import { colours } from './colour.js';
import { createProgram, runCommand, sayer } from './command.js';
import type { CliIo } from './io.js';

interface ReplayOptions {
  policy: string;
  format: 'text' | 'json';
}

/** `policy-wrap audit replay --policy <file> [--format text|json] <file>` */
export async function replayCommand(own: string[], io: CliIo): Promise<number> {
  const say = sayer('policy-wrap audit replay', io);
  return runCommand(say, async () => {
    const cli = createProgram({
      name: 'policy-wrap audit replay',
      usage: '--policy <file> [--format text|json] <file>',
      description:
        'Decide every call recorded in an audit log again under another policy, in the order they were made, with budgets counted ' +
        'on the recorded times in a scratch in-memory store, and print what would change: calls newly refused, newly allowed, and ' +
        'those that cannot be decided from the log (argument values it does not hold). Nothing is counted anywhere else.',
      io,
      say,
    })
      .argument('<file>', 'the audit log')
      .requiredOption('-p, --policy <file>', 'the policy to replay the calls under')
      .addOption(new Option('--format <format>', 'text for people, or a JSON object for scripts').choices(['text', 'json']).default('text'))
      .addHelpText('after', '\nExit codes: 0 replayed (whatever changed), 2 bad usage, a policy with errors, or a log that cannot be read.')
      .parse(own, { from: 'user' });
    const options = cli.opts<ReplayOptions>();
    const [shown] = cli.processedArgs as [string];
    const policy = loadPolicyOrFail(options.policy, io);
    // Budgets count in the order calls were decided; a record is written when its call ends.
    const calls: LoggedCall[] = [];
    for await (const call of loggedCalls(resolve(io.cwd, shown), shown, say)) calls.push(call);
    calls.sort((a, b) => a.timeMs - b.timeMs || a.line - b.line);
    const replayer = new Replayer(policy, new MemoryStore());
    for (const call of calls) replayer.add(call);
    const result = replayer.finish();
    if (options.format === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout.write(renderReplay(shown, options.policy, result, colours(io.stdout, io.env)));
    return ExitCode.ok;
  });
}

function verdictWords(verdict: Verdict): string {
  if (verdict.status === 'allowed') return 'allowed';
  if (verdict.status === 'unknown') return `unknown: ${verdict.why}`;
  return `refused (${verdict.cause})${verdict.reason === undefined ? '' : `: ${verdict.reason}`}`;
}

export function renderReplay(shown: string, policy: string, result: ReplayResult, chalk: ChalkInstance): string {
  const out = [
    `${chalk.bold(shown)} under ${chalk.bold(policy)}: ${result.calls} calls, ${result.unchanged} unchanged, ` +
      `${result.newlyRefused.length > 0 ? chalk.red(`${result.newlyRefused.length} newly refused`) : '0 newly refused'}, ` +
      `${result.newlyAllowed.length > 0 ? chalk.green(`${result.newlyAllowed.length} newly allowed`) : '0 newly allowed'}, ` +
      `${result.unknown.length > 0 ? chalk.yellow(`${result.unknown.length} unknown`) : '0 unknown'}`,
  ];
  const changed = Object.entries(result.byTool).filter(([, tool]) => Object.keys(tool.newlyRefused).length > 0 || tool.newlyAllowed > 0 || tool.unknown > 0);
  if (changed.length > 0) {
    out.push('', chalk.bold('By tool'));
    for (const [name, tool] of changed.sort(([a], [b]) => a.localeCompare(b))) {
      const parts = [
        ...Object.entries(tool.newlyRefused).map(([cause, count]) => chalk.red(`${count} newly refused (${cause})`)),
        ...(tool.newlyAllowed > 0 ? [chalk.green(`${tool.newlyAllowed} newly allowed`)] : []),
        ...(tool.unknown > 0 ? [chalk.yellow(`${tool.unknown} unknown`)] : []),
      ];
      out.push(`  ${name}: ${parts.join(', ')}`);
    }
  }
  const section = (title: string, calls: readonly ReplayedCall[], paint: (text: string) => string): void => {
    if (calls.length === 0) return;
    out.push('', chalk.bold(title));
    for (const call of calls) out.push(`  ${chalk.dim(`line ${call.line}`)}  ${call.time}  ${call.tool}: was ${verdictWords(call.was)}; now ${paint(verdictWords(call.now))}`);
  };
  section('Newly refused', result.newlyRefused, chalk.red);
  section('Newly allowed', result.newlyAllowed, chalk.green);
  section('Unknown', result.unknown, chalk.yellow);
  if (result.notes.length > 0) out.push('', ...result.notes.map((note) => chalk.dim(`note: ${note}`)));
  return `${out.join('\n')}\n`;
}
