/**
 * Where our options end and the server's command begins. What follows is the server's, never
 * parsed as our options or subcommands (a server may be called `lint` or take `--policy`).
 */
export interface SplitArgv {
  own: string[];
  /** undefined when there was no command at all */
  command: string[] | undefined;
}

/** Splits at the first `--`: the subcommands, whose own operands (lint's files) leave no other way. */
export function splitAtDoubleDash(argv: readonly string[]): SplitArgv {
  const index = argv.indexOf('--');
  if (index === -1) return { own: [...argv], command: undefined };
  return { own: argv.slice(0, index), command: argv.slice(index + 1) };
}

/** What splitting needs to know of an option: its flags, and whether it takes a value. */
export interface FlagShape {
  short?: string | undefined;
  long?: string | undefined;
  /** the value is required (`--policy <file>`), so the next argument is always the value */
  required: boolean;
}

/**
 * Splits where `env`, `nice` and `timeout` do: the command starts at the first argument that is
 * not an option, an option's value being part of the option; a `--` before it ends the options
 * too and is dropped (an MCP Inspector in front may have swallowed the one we were given).
 * Unknown options stay ours, so that they are reported instead of run.
 */
export function splitAtCommand(argv: readonly string[], options: readonly FlagShape[]): SplitArgv {
  const takesValue = new Set(options.filter((option) => option.required).flatMap((option) => [option.short, option.long]));
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--') return { own: argv.slice(0, index), command: argv.slice(index + 1) };
    if (!arg.startsWith('-') || arg === '-') return { own: argv.slice(0, index), command: argv.slice(index) };
    // `--policy=p.json` and `-pp.json` carry their value; `--policy p.json` and `-p p.json` take the next.
    if (takesValue.has(arg)) index += 1;
  }
  return { own: [...argv], command: undefined };
}
