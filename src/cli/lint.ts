import { resolve } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, PolicyWrapError } from '../errors.js';
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

function program(io: CliIo, fail: (message: string) => void): Command {
  return new Command('policy-wrap lint')
    .usage('[--format text|json] <policy.json...> [--server -- <command> [args...]]')
    .description('Check policy files: every problem at once, located file:line:column. Exit 1 when any file has an error.')
    .argument('<policy...>', 'policy files')
    .addOption(new Option('--format <format>', 'how to print problems').choices(['text', 'json']).default('text'))
    .option('--server', 'also start the server given after -- and check the policy against its tools/list')
    .addOption(timeoutOption('with --server: seconds the server gets to start and to list its tools'))
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => fail(text.trim().replace(/^error: /, '')),
    })
    .showHelpAfterError(`usage: ${USAGE} (see --help)`);
}

function colours(stream: { isTTY?: boolean }): ChalkInstance {
  return new Chalk({ level: stream.isTTY ? 1 : 0 });
}

/** `policy-wrap lint [--format text|json] [--server] [--timeout s] <policy.json...> [-- <command> [args...]]` */
export async function lintCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const red = colours(io.stderr);
  const fail = (message: string): void => {
    io.stderr.write(`policy-wrap lint: ${red.red(message)}\n`);
  };
  const cli = program(io, fail);
  try {
    cli.parse(own, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    throw error;
  }
  const options = cli.opts<LintOptions>();
  let timeout: number;
  try {
    timeout = timeoutSeconds(options.timeout);
  } catch (error) {
    if (!(error instanceof PolicyWrapError)) throw error;
    fail(`${error.code}: ${error.message}`);
    return error.exitCode;
  }
  const files = cli.processedArgs[0] as string[];
  const hasCommand = command !== undefined && command.length > 0;
  if (options.server && !hasCommand) {
    fail(`--server needs the server command after --; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  if (!options.server && command !== undefined) {
    fail(`a command after -- is only used with --server; usage: ${USAGE}`);
    return ExitCode.usage;
  }

  const loaded = files.map((file) => ({ file, result: loadPolicyFile(resolve(io.cwd, file), file) }));
  const reports: FileReport[] = loaded.map(({ file, result }) => ({ file, problems: result.ok ? [...result.warnings] : [...result.problems] }));

  if (options.server && loaded.some(({ result }) => result.ok)) {
    let tools: AdvertisedTool[];
    try {
      tools = await listServerTools(command ?? [], { timeoutSeconds: timeout, clientName: 'policy-wrap-lint', codePrefix: 'lint' }, io);
    } catch (error) {
      if (!(error instanceof PolicyWrapError)) throw error;
      fail(`${error.code}: ${error.message}`);
      return error.exitCode;
    }
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
  const err = colours(io.stderr);
  const out = colours(io.stdout as { isTTY?: boolean });
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
