import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ChainChecker } from '../audit/chain.js';
import { readLogLines } from '../audit/read-log.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { didYouMean } from '../policy/suggest.js';
import { colours } from './colour.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { unreadable } from './audit-log.js';

type AuditSubcommand = (own: string[], io: CliIo) => Promise<number>;

const subcommands: Record<string, () => Promise<AuditSubcommand>> = {
  verify: async () => verifyCommand,
  report: async () => (await import('./audit-report.js')).reportCommand,
  replay: async () => (await import('./audit-replay.js')).replayCommand,
  suggest: async () => (await import('./audit-suggest.js')).suggestCommand,
};

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap audit',
    usage: '<verify|report|replay|suggest> [options] <file>',
    description: 'Read an audit log the wrapper wrote with --audit: check its hash chain, summarise it, replay it under another policy, or fit a policy to it.',
    io,
    say,
  })
    .argument('[command]', 'verify, report, replay or suggest')
    .addHelpText(
      'after',
      [
        '',
        'Commands:',
        '  verify <file>                                          check every line\'s "prev" link; exit 0 intact, 1 broken',
        '  report [--since <time>] [--format text|json] <file>    calls, refusals, latency, budgets and calls per minute, per tool',
        '  replay --policy <file> [--format text|json] <file>     decide every recorded call again under another policy',
        '  suggest [--headroom <factor>] [--out <file>] <file>    a policy fitted to the calls in the log',
        '',
        'See policy-wrap audit <command> --help.',
      ].join('\n'),
    );
}

/** `policy-wrap audit <verify|report|replay|suggest> …` */
export async function auditCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap audit', io);
  return runCommand(say, async () => {
    const [name, ...rest] = own;
    const load = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
    if (load !== undefined && command === undefined) return (await load())(rest, io);
    if (command !== undefined) throw new PolicyWrapError('audit.no-command', 'audit starts no server: nothing goes after --');
    program(io, say).parse(own, { from: 'user' });
    if (name === undefined) {
      say.fail('name what to do: verify, report, replay or suggest (see policy-wrap audit --help)');
      return ExitCode.usage;
    }
    say.fail(`no audit command "${name}"${didYouMean(name, Object.keys(subcommands))}; they are ${Object.keys(subcommands).join(', ')}`);
    return ExitCode.usage;
  });
}

/** `policy-wrap audit verify <file>`: `ok: N records` on stdout and exit 0, or the first broken line on stderr and exit 1. */
async function verifyCommand(own: string[], io: CliIo): Promise<number> {
  const say = sayer('policy-wrap audit verify', io);
  return runCommand(say, async () => {
    const cli = createProgram({
      name: 'policy-wrap audit verify',
      usage: '<file>',
      description:
        'Check the hash chain of an audit log: every line\'s "prev" must be the SHA-256 of the line before it (of the empty string for the first). ' +
        'Names the first line whose link is broken. An intact chain shows that no line but the last was changed, removed, inserted or moved; ' +
        'cutting lines off the end leaves it intact (compare the chain head printed on stderr with one kept elsewhere).',
      io,
      say,
    })
      .argument('<file>', 'the audit log')
      .option('--anchor <sha256>', 'a chain head printed by an earlier verify: the chain must still pass through it (nothing up to there cut off or changed)')
      .addHelpText('after', '\nExit codes: 0 the chain is intact, 1 it is broken (or does not pass through --anchor), 2 bad usage or the file cannot be read.')
      .parse(own, { from: 'user' });
    const [shown] = cli.processedArgs as [string];
    const anchor = cli.opts<{ anchor?: string }>().anchor?.toLowerCase();
    const chalk = colours(io.stderr, io.env);
    const broken = (line: number, message: string): number => {
      io.stderr.write(`${chalk.bold(`${shown}:${line}:`)} ${chalk.red('audit.chain-broken')}: ${message}\n`);
      return ExitCode.problems;
    };
    const checker = new ChainChecker();
    let anchored = anchor === undefined || anchor === checker.head;
    try {
      for await (const line of readLogLines(resolve(io.cwd, shown))) {
        const problem = checker.check(line.bytes, line.ended);
        if (problem !== undefined) return broken(problem.line, problem.message);
        anchored ||= checker.head === anchor;
      }
    } catch (error) {
      throw unreadable(shown, error);
    }
    if (!anchored) return broken(checker.count, `the chain does not pass through the anchor ${anchor ?? ''}: lines up to it were cut off or changed`);
    io.stdout.write(`ok: ${checker.count} records\n`);
    say.log(`chain head ${checker.head}: keep it elsewhere to tell later that nothing was cut off the end or changed up to here`);
    return ExitCode.ok;
  });
}
