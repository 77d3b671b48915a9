import { ExitCode } from '../errors.js';
import { splitAtDoubleDash } from './argv.js';
import { processIo, type CliIo } from './io.js';
import { packageVersion } from './version.js';

// Start-up cost: every module here is loaded by every run, --version included, so commander,
// chalk, the policy engine and the relay are imported only by the paths that use them.

type Subcommand = (own: string[], command: string[] | undefined, io: CliIo) => Promise<number>;

const subcommands: Record<string, () => Promise<Subcommand>> = {
  lint: async () => (await import('./lint.js')).lintCommand,
  init: async () => (await import('./init.js')).initCommand,
  tools: async () => (await import('./tools.js')).toolsCommand,
  explain: async () => (await import('./explain.js')).explainCommand,
  approvals: async () => (await import('./approvals.js')).approvalsCommand,
  approve: async () => (await import('./approvals.js')).approveCommand,
  deny: async () => (await import('./approvals.js')).denyCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  pin: async () => (await import('./pin.js')).pinCommand,
};

function subcommand(name: string | undefined): (() => Promise<Subcommand>) | undefined {
  return name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
}

/**
 * Runs policy-wrap with `argv` (without node and script) and resolves to the exit code. A
 * subcommand is recognised only as the first argument; anything else is the wrapper, whose server
 * command starts at its first argument that is not an option (so a server may be called `lint`).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  // Alone, --version or -V is commander's answer (the version and a newline on stdout, exit 0), without commander.
  if (rest.length === 0 && (first === '--version' || first === '-V')) {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  if (first === 'help') return help(rest, io);
  const load = subcommand(first);
  if (load) {
    const { own, command } = splitAtDoubleDash(rest);
    return (await load())(own, command, io);
  }
  // --help and --version load commander and the option list only, not the policy engine.
  const { mayAskForHelpOrVersion, answerHelpOrVersion } = await import('./wrap-help.js');
  const answered = mayAskForHelpOrVersion(argv) ? await answerHelpOrVersion(argv, io) : undefined;
  if (answered !== undefined) return answered;
  const { wrapCommand } = await import('./wrap.js');
  return wrapCommand(argv, io);
}

/** `policy-wrap help [command]`: the same text as `--help`, on stdout. */
async function help(rest: readonly string[], io: CliIo): Promise<number> {
  const [name, ...extra] = rest;
  const { sayer } = await import('./command.js');
  if (extra.length > 0) {
    sayer('policy-wrap help', io).fail(`too many arguments; usage: policy-wrap help [command]`);
    return ExitCode.usage;
  }
  if (name === undefined || name === 'wrap') return main(['--help'], io);
  const load = subcommand(name);
  if (load) return (await load())(['--help'], undefined, io);
  const { didYouMean } = await import('../policy/suggest.js');
  sayer('policy-wrap help', io).fail(`no command "${name}"${didYouMean(name, Object.keys(subcommands))}; the commands are ${Object.keys(subcommands).join(', ')}`);
  return ExitCode.usage;
}
