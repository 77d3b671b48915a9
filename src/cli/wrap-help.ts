import { splitAtCommand } from './argv.js';
import { runCommand, sayer } from './command.js';
import type { CliIo } from './io.js';
import { wrapProgram } from './wrap-options.js';

const helpOrVersion = new Set(['-h', '--help', '-V', '--version']);

/** Whether `argv` may ask the wrapper for its help or version: a cheap look before loading the wrapper. */
export function mayAskForHelpOrVersion(argv: readonly string[]): boolean {
  return argv.some((arg) => helpOrVersion.has(arg));
}

/**
 * `policy-wrap [options] --help` and `--version`, answered by the wrapper's own commander program
 * without loading the policy engine, the stores or the relay's process handling. The same parse as
 * wrapCommand's first step, so the same text and exit code; undefined when `argv` turns out not to
 * ask for either (`-V` as a server's argument, or as an option's value), and the wrapper runs.
 */
export async function answerHelpOrVersion(argv: readonly string[], io: CliIo): Promise<number | undefined> {
  const say = sayer('policy-wrap', io);
  const cli = wrapProgram(io, say);
  const { own } = splitAtCommand(argv, cli.options);
  if (!own.some((arg) => helpOrVersion.has(arg))) return undefined;
  let asked = true;
  const code = await runCommand(say, async () => {
    cli.parse(own, { from: 'user' });
    asked = false;
    return 0;
  });
  return asked ? code : undefined;
}
