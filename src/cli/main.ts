import { splitAtDoubleDash } from './argv.js';
import { processIo, type CliIo } from './io.js';

type Subcommand = (own: string[], command: string[] | undefined, io: CliIo) => Promise<number>;

const subcommands: Record<string, () => Promise<Subcommand>> = {
  lint: async () => (await import('./lint.js')).lintCommand,
  init: async () => (await import('./init.js')).initCommand,
  tools: async () => (await import('./tools.js')).toolsCommand,
};

/** Runs policy-wrap with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const { own, command } = splitAtDoubleDash(argv);
  const first = own[0];
  const loadSubcommand = first === undefined ? undefined : subcommands[first];
  if (loadSubcommand) return (await loadSubcommand())(own.slice(1), command, io);
  const { wrapCommand } = await import('./wrap.js');
  return wrapCommand(own, command, io);
}
