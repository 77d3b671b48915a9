import { Command, CommanderError } from 'commander';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { colours } from './colour.js';
import type { CliIo } from './io.js';
import { packageVersion } from './version.js';

/**
 * The scaffold every command shares: one commander set-up, one way to say things on stderr, one
 * mapping from errors to exit codes. Help and --version go to stdout with exit 0; a usage mistake
 * is one `<name>: <problem>` line, then the usage, exit 2; a PolicyWrapError is one
 * `<name>: <code>: <message>` line and its own exit code.
 */

/** Everything a command says goes to stderr, one line each, after its name; colour only when wanted. */
export interface Say {
  log(message: string): void;
  warn(message: string): void;
  fail(message: string): void;
}

export function sayer(name: string, io: CliIo): Say {
  const chalk = colours(io.stderr, io.env);
  const prefix = chalk.dim(`${name}: `);
  return {
    log: (message) => io.stderr.write(`${prefix}${message}\n`),
    warn: (message) => io.stderr.write(`${prefix}${chalk.yellow(message)}\n`),
    fail: (message) => io.stderr.write(`${prefix}${chalk.red(message)}\n`),
  };
}

export interface ProgramSpec {
  /** as typed: `policy-wrap`, `policy-wrap lint` */
  name: string;
  /** what follows the name in the usage line */
  usage: string;
  description: string;
  io: CliIo;
  say: Say;
}

/** A commander program that throws instead of exiting, with --help, --version and the usage line. */
export function createProgram({ name, usage, description, io, say }: ProgramSpec): Command {
  return new Command(name)
    .usage(usage)
    .description(description)
    .version(packageVersion(), '-V, --version', 'show the version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => say.fail(text.trim().replace(/^error: /, '')),
    })
    .showHelpAfterError(`usage: ${name} ${usage} (see --help)`);
}

/**
 * Runs a command and turns what it throws into an exit code: commander's errors (already printed;
 * help and --version are exit 0) to 0 or 2, a PolicyWrapError to one line and its exit code.
 */
export async function runCommand(say: Say, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (!(error instanceof PolicyWrapError)) throw error;
    say.fail(`${error.code}: ${error.message}`);
    return error.exitCode;
  }
}
