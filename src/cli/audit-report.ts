import { resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { Option } from 'commander';
import { chartRows } from '../audit/chart.js';
import { ReportBuilder, type Report } from '../audit/report.js';
import { ExitCode } from '../errors.js';
import { loggedCalls, sinceMs } from './audit-log.js';
import { colours } from './colour.js';
import { createProgram, runCommand, sayer } from './command.js';
import type { CliIo } from './io.js';

interface ReportOptions {
  since?: string;
  format: 'text' | 'json';
}

/** `policy-wrap audit report [--since <time>] [--format text|json] <file>` */
export async function reportCommand(own: string[], io: CliIo, nowMs = Date.now()): Promise<number> {
  const say = sayer('policy-wrap audit report', io);
  return runCommand(say, async () => {
    const cli = createProgram({
      name: 'policy-wrap audit report',
      usage: '[--since <time>] [--format text|json] <file>',
      description:
        'Summarise an audit log: per tool the calls, how many were allowed and refused (by cause), errors, timeouts and p50/p99 latency; ' +
        'the most frequent refusal reasons; each budget\'s peak use against its max; and calls per minute.',
      io,
      say,
    })
      .argument('<file>', 'the audit log')
      .option('--since <time>', 'only calls from this time on: an ISO time, or how long ago (30m, 1h, 2d)')
      .addOption(new Option('--format <format>', 'text for people, or a JSON object for scripts').choices(['text', 'json']).default('text'))
      .addHelpText('after', '\nExit codes: 0 reported, 2 bad usage or the file cannot be read.')
      .parse(own, { from: 'user' });
    const options = cli.opts<ReportOptions>();
    const [shown] = cli.processedArgs as [string];
    const since = sinceMs(options.since, nowMs);
    const builder = new ReportBuilder();
    for await (const call of loggedCalls(resolve(io.cwd, shown), shown, say, since)) builder.add(call);
    const report = builder.build();
    if (options.format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout.write(renderReport(shown, report, colours(io.stdout, io.env), options.since));
    return ExitCode.ok;
  });
}

/** Cells padded to their column before they are painted, so the layout is the same with and without colour. */
type Cell = [text: string, paint?: (text: string) => string];

function table(rows: readonly Cell[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column]?.[0] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map(([text, paint], column) => {
        const padded = rightAligned.has(column) ? text.padStart(widths[column] ?? 0) : text.padEnd(widths[column] ?? 0);
        return paint ? paint(padded) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
}

const ms = (value: number | null): string => (value === null ? '-' : value >= 100 ? String(Math.round(value)) : value.toFixed(1));
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

export function renderReport(shown: string, report: Report, chalk: ChalkInstance, since?: string): string {
  if (report.calls === 0) return `${shown}: no calls recorded${since === undefined ? '' : ` since ${since}`}\n`;
  const out: string[] = [
    `${chalk.bold(shown)}: ${plural(report.calls, 'call')} from ${report.from ?? ''} to ${report.to ?? ''}: ${chalk.green(`${report.allowed} allowed`)}, ${report.refused > 0 ? chalk.red(`${report.refused} refused`) : '0 refused'}`,
    '',
  ];
  const header = ['TOOL', 'CALLS', 'ALLOWED', 'REFUSED', 'ERRORS', 'TIMEOUTS', 'P50 MS', 'P99 MS'].map((text): Cell => [text, (cell) => chalk.bold(cell)]);
  const rows = report.tools.map((tool): Cell[] => {
    const refused = Object.entries(tool.refused)
      .sort(([, a], [, b]) => b - a)
      .map(([cause, count]) => `${cause} ${count}`)
      .join(', ');
    return [
      [tool.name],
      [String(tool.calls)],
      [String(tool.allowed)],
      refused === '' ? ['-'] : [`${refused}${tool.notEnforced > 0 ? ` (${tool.notEnforced} not enforced)` : ''}`, chalk.red],
      [String(tool.outcomes.errors), tool.outcomes.errors > 0 ? chalk.yellow : undefined],
      [String(tool.outcomes.timeouts), tool.outcomes.timeouts > 0 ? chalk.yellow : undefined],
      [ms(tool.latencyMs.p50)],
      [ms(tool.latencyMs.p99)],
    ];
  });
  out.push(...table([header, ...rows], new Set([1, 2, 4, 5, 6, 7])));

  if (report.refusalReasons.length > 0) {
    out.push('', chalk.bold('Most frequent refusal reasons'));
    const width = Math.max(...report.refusalReasons.map((reason) => String(reason.count).length));
    for (const reason of report.refusalReasons) out.push(`  ${String(reason.count).padStart(width)}  ${reason.tool} (${reason.cause}): ${reason.reason}`);
  }

  if (report.budgets.length > 0) {
    out.push('', chalk.bold('Budgets (peak use against max)'));
    const budgetRows = report.budgets.map((budget): Cell[] => {
      const full = budget.peak >= budget.max;
      return [
        [`${budget.peak}/${budget.max}`, full ? chalk.yellow : undefined],
        [budget.counter === budget.rule ? budget.rule : `${budget.counter} (${budget.rule})`],
        [`${budget.scope}, per ${windowWords(budget.windowMs)}`],
        [budget.limited > 0 ? `${budget.limited} limited` : '', chalk.yellow],
      ];
    });
    out.push(...table(budgetRows, new Set([0])).map((line) => `  ${line}`));
  }

  const chart = chartRows(report.perMinute);
  out.push('', chalk.bold(chart.minutesPerRow === 1 ? 'Calls per minute' : `Calls per ${chart.minutesPerRow} minutes`) + chalk.dim('  (█ allowed, ░ refused)'));
  const most = Math.max(...chart.rows.map((row) => row.calls));
  const barWidth = 50;
  for (const row of chart.rows) {
    const length = row.calls === 0 ? 0 : Math.max(1, Math.round((row.calls / most) * barWidth));
    const refused = row.refused === 0 ? 0 : Math.max(1, Math.round((row.refused / row.calls) * length));
    const label = row.start.slice(11, 16);
    out.push(`  ${chalk.dim(label)}  ${chalk.green('█'.repeat(length - refused))}${chalk.red('░'.repeat(refused))} ${row.calls}`.trimEnd());
  }
  return `${out.join('\n')}\n`;
}

function windowWords(windowMs: number): string {
  const named: Record<number, string> = { 1000: 'second', 60_000: 'minute', 3_600_000: 'hour', 86_400_000: 'day' };
  return named[windowMs] ?? `${windowMs / 1000} s`;
}
