import { resolve } from 'node:path';
import { Chalk } from 'chalk';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ExitCode, PolicyWrapError } from '../errors.js';
import type { Gate } from '../proxy/gate.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../proxy/relay.js';
import { runSession } from '../proxy/session.js';
import type { CliIo } from './io.js';
import { loadSimplePolicyGate } from './simple-policy-gate.js';

const USAGE = 'policy-wrap [options] -- <command> [args...]';

interface WrapOptions {
  policy?: string;
  maxMessageBytes: number;
}

/** Everything the wrapper says goes to stderr, one line each, prefixed; colour only on a terminal. */
function reporter(io: CliIo): { log: (message: string) => void; fail: (message: string) => void } {
  const chalk = new Chalk({ level: io.stderr.isTTY ? 1 : 0 });
  const prefix = chalk.dim('policy-wrap: ');
  return {
    log: (message) => io.stderr.write(`${prefix}${message}\n`),
    fail: (message) => io.stderr.write(`${prefix}${chalk.red(message)}\n`),
  };
}

function program(io: CliIo, fail: (message: string) => void): Command {
  return new Command('policy-wrap')
    .usage('[options] -- <command> [args...]')
    .description('Run an MCP stdio server behind a per-tool policy.')
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
    .option('--max-message-bytes <n>', 'longest message accepted in either direction', byteCount, DEFAULT_MAX_MESSAGE_BYTES)
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stderr.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => fail(text.trim().replace(/^error: /, '')),
    })
    .showHelpAfterError(`usage: ${USAGE} (see --help)`);
}

function byteCount(value: string): number {
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError('expected a whole number of bytes, at least 1');
  }
  return bytes;
}

/** The policy named by --policy, else $POLICY_WRAP_POLICY, else ./policy.json; relative to the cwd. */
function policyPath(options: WrapOptions, io: CliIo): string {
  const named = options.policy ?? (io.env.POLICY_WRAP_POLICY || undefined) ?? 'policy.json';
  return resolve(io.cwd, named);
}

/** The one place the gate is built from the command line. */
function buildGate(options: WrapOptions, io: CliIo): Gate {
  return loadSimplePolicyGate(policyPath(options, io));
}

export async function wrapCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const { log, fail } = reporter(io);
  let options: WrapOptions;
  try {
    options = program(io, fail).parse(own, { from: 'user' }).opts<WrapOptions>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    throw error;
  }
  const [file, ...args] = command ?? [];
  if (file === undefined || file === '') {
    fail(`missing the server command; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  let gate: Gate;
  try {
    gate = buildGate(options, io);
  } catch (error) {
    if (!(error instanceof PolicyWrapError)) throw error;
    fail(error.message);
    return error.exitCode;
  }
  return runSession({
    command: { file, args, env: io.env, cwd: io.cwd, stderr: isProcessStderr(io) ? 'inherit' : io.stderr },
    client: { input: io.stdin, output: io.stdout },
    gate,
    maxMessageBytes: options.maxMessageBytes,
    log,
  });
}

/** The server shares the wrapper's stderr file descriptor when there is a real one to share. */
function isProcessStderr(io: CliIo): boolean {
  return io.stderr === process.stderr;
}
