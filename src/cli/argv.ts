/**
 * Splits the command line at the first `--`: what comes before is ours, what follows is the
 * server's command, never parsed as our options or subcommands (a server may be called `lint`).
 */
export interface SplitArgv {
  own: string[];
  /** undefined when there was no `--` at all */
  command: string[] | undefined;
}

export function splitAtDoubleDash(argv: readonly string[]): SplitArgv {
  const index = argv.indexOf('--');
  if (index === -1) return { own: [...argv], command: undefined };
  return { own: argv.slice(0, index), command: argv.slice(index + 1) };
}
