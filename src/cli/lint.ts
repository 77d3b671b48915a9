import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import {
  hasErrors,
  lintAgainstServer,
  loadPolicyFile,
  locateFindings,
  sortProblems,
  type AdvertisedTool,
  type LoadResult,
  type Problem,
} from '../policy/index.js';
import { colours } from './colour.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { listServerTools } from './server-tools.js';
import { timeoutOption, timeoutSeconds } from './timeout-option.js';

const USAGE = 'policy-wrap lint [--format text|json] <policy.json...> [--server -- <command> [args...]]';

interface LintOptions {
  format: 'text' | 'json';
  server?: boolean;
  timeout: string;
}

interface FileReport {
  file: string;
  problems: Problem[];
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap lint',
    usage: '[--format text|json] <policy.json...> [--server -- <command> [args...]]',
    description: 'Check policy files: every problem at once, located file:line:column. Exit 1 when any file has an error.',
    io,
    say,
  })
    .argument('<policy...>', 'policy files')
    .addOption(new Option('--format <format>', 'how to print problems').choices(['text', 'json']).default('text'))
    .option('--server', 'also start the server given after -- and check the policy against its tools/list')
    .addOption(timeoutOption('with --server: seconds the server gets to start and to list its tools'));
}

/** `policy-wrap lint [--format text|json] [--server] [--timeout s] <policy.json...> [-- <command> [args...]]` */
export async function lintCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap lint', io);
  return runCommand(say, () => lint(own, command, io, say));
}

async function lint(own: string[], command: string[] | undefined, io: CliIo, say: Say): Promise<number> {
  const cli = program(io, say).parse(own, { from: 'user' });
  const options = cli.opts<LintOptions>();
  const timeout = timeoutSeconds(options.timeout);
  const files = cli.processedArgs[0] as string[];
  const hasCommand = command !== undefined && command.length > 0;
  if (options.server && !hasCommand) {
    say.fail(`--server needs the server command after --; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  if (!options.server && command !== undefined) {
    say.fail(`a command after -- is only used with --server; usage: ${USAGE}`);
    return ExitCode.usage;
  }

  const loaded = files.map((file) => ({ file, result: loadPolicyFile(resolve(io.cwd, file), file) }));
  const reports: FileReport[] = loaded.map(({ file, result }) => ({ file, problems: result.ok ? [...result.warnings] : [...result.problems] }));

  if (options.server && loaded.some(({ result }) => result.ok)) {
    const tools = await listServerTools(command ?? [], { timeoutSeconds: timeout, clientName: 'policy-wrap-lint', codePrefix: 'lint' }, io);
    loaded.forEach(({ result }, index) => addServerFindings(reports[index] as FileReport, result, tools));
  }

  const all = reports.flatMap((report) => sortProblems(report.problems));
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(all.map(({ file, line, column, code, severity, message }) => ({ file, line, column, code, severity, message })), null, 2)}\n`);
  } else {
    printText(reports, io);
  }
  return hasErrors(all) ? ExitCode.problems : ExitCode.ok;
}

function addServerFindings(report: FileReport, result: LoadResult, tools: readonly AdvertisedTool[]): void {
  if (!result.ok) return;
  report.problems.push(...locateFindings(result.source, lintAgainstServer(result.policy, tools), 'warning'));
}

/** Problems to stderr, one line each; a clean file gets one "<file>: ok" line on stdout. */
function printText(reports: readonly FileReport[], io: CliIo): void {
  const err = colours(io.stderr, io.env);
  const out = colours(io.stdout, io.env);
  for (const { file, problems } of reports) {
    for (const problem of sortProblems(problems)) {
      const paint = problem.severity === 'error' ? err.red : err.yellow;
      // formatProblem's layout, painted: without colours the two are the same text.
      const at = `${problem.file}:${problem.line}:${problem.column}:`;
      io.stderr.write(`${err.bold(at)} ${paint(problem.code)}: ${problem.message}\n`);
    }
    const errors = problems.filter((problem) => problem.severity === 'error').length;
    const warnings = problems.length - errors;
    if (errors > 0) {
      io.stderr.write(`${file}: ${err.red(`${plural(errors, 'error')}`)}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}\n`);
    } else {
      io.stdout.write(`${file}: ${out.green('ok')}${warnings > 0 ? ` (${plural(warnings, 'warning')})` : ''}\n`);
    }
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
