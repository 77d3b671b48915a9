import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { resolveStateLocation } from '../limits/state-location.js';
import { changedParts, definitionOf, pinOf, pinServerKey } from '../pins/definition.js';
import { diffDefinitions } from '../pins/diff.js';
import { openPinStore } from '../pins/open-pin-store.js';
import type { PinnedTool } from '../pins/types.js';
import { colours } from './colour.js';
import { usablePolicy } from './policy-file.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { policyName } from './wrap-options.js';
import { listServerTools } from './server-tools.js';
import { checkedStateSpec } from './state-option.js';
import { timeoutOption, timeoutSeconds } from './timeout-option.js';

const USAGE = 'policy-wrap pin [--policy <file>] [--state <where>] [--accept] -- <command> [args...]';

interface PinOptions {
  policy?: string;
  state?: string;
  statePrefix?: string;
  accept: boolean;
  timeout: string;
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap pin',
    usage: '[--policy <file>] [--state <where>] [--accept] -- <command> [args...]',
    description:
      'Start an MCP server, read its tools and show how each differs from the definition pinned for it (a policy with ' +
      '"pin": "warn" or "enforce" pins the tools the first time the wrapper lists them). With --accept, the current ' +
      'definitions become the pins: a running wrapper notices at the next list or call of a changed tool. Give the same ' +
      'policy, state and server command as the wrapper: pins are kept per policy namespace and server command line.',
    io,
    say,
  })
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
    .option('--state <where>', 'where pins live, as for the wrapper: a SQLite file or redis://… (default: $POLICY_WRAP_STATE, else the default SQLite file)')
    .option('--state-prefix <prefix>', 'prefix of every Redis key (default "policy-wrap:")')
    .option('--accept', 'record the current definitions as the pins', false)
    .addOption(timeoutOption('seconds the server gets to start and to list its tools'))
    .addHelpText(
      'after',
      '\nExit codes: 0 every tool matches its pin (or --accept recorded them), 1 differences shown (or the server failed), 2 bad usage, a policy with errors or pins in memory, 127 command not found.',
    );
}

/** `policy-wrap pin [--policy file] [--state where] [--accept] -- <command> [args...]` */
export async function pinCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap pin', io);
  return runCommand(say, () => pin(own, command, io, say));
}

type Difference = { name: string; kind: 'changed' | 'new' | 'gone'; pinned?: PinnedTool; current?: PinnedTool };

async function pin(own: string[], command: string[] | undefined, io: CliIo, say: Say): Promise<number> {
  const options = program(io, say).parse(own, { from: 'user' }).opts<PinOptions>();
  if (command === undefined || command.length === 0) {
    say.fail(`give the server command after --; usage: ${USAGE}`);
    return ExitCode.usage;
  }
  const timeout = timeoutSeconds(options.timeout);
  const state = checkedStateSpec(options.state, io.env);
  if (resolveStateLocation(state, { env: io.env, cwd: io.cwd }).kind === 'memory') {
    say.fail('pins in memory last one wrapper session and no other process can reach them; give the SQLite file or redis:// URL the wrapper uses with --state');
    return ExitCode.usage;
  }
  const policy = usablePolicy(options, io, say);
  if (policy === undefined) return ExitCode.usage;
  if (policy.pin === 'off') say.warn(`${policyName(options, io)} does not pin tools ("pin" is "off"): the wrapper neither records nor checks these pins`);

  const tools = await listServerTools(command, { timeoutSeconds: timeout, clientName: 'policy-wrap-pin', codePrefix: 'pin' }, io);
  const now = Date.now();
  const current = new Map<string, PinnedTool>();
  for (const tool of tools) {
    const definition = definitionOf(tool);
    if (definition !== undefined) current.set(definition.name, pinOf(definition, now));
  }
  const server = pinServerKey(policy.namespace, command);
  const store = await openPinStore(state, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
  try {
    const pinned = await store.load(server);
    const differences = compare(pinned, current);
    const chalk = colours(io.stdout, io.env);
    io.stdout.write(render(differences, current.size, pinned.size, chalk));
    if (options.accept) {
      await store.replace(server, [...current.values()]);
      say.log(`accepted: the pins of ${current.size} ${current.size === 1 ? 'tool' : 'tools'} now match what the server lists`);
      return ExitCode.ok;
    }
    if (differences.length > 0) say.log('to record the listed definitions as the pins, run the same command with --accept');
    return differences.length === 0 ? ExitCode.ok : ExitCode.problems;
  } finally {
    await store.close();
  }
}

function compare(pinned: ReadonlyMap<string, PinnedTool>, current: ReadonlyMap<string, PinnedTool>): Difference[] {
  const differences: Difference[] = [];
  for (const [name, tool] of current) {
    const before = pinned.get(name);
    if (before === undefined) differences.push({ name, kind: 'new', current: tool });
    else if (before.digest !== tool.digest) differences.push({ name, kind: 'changed', pinned: before, current: tool });
  }
  for (const [name, before] of pinned) if (!current.has(name)) differences.push({ name, kind: 'gone', pinned: before });
  return differences.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function render(differences: readonly Difference[], listed: number, pinnedCount: number, chalk: ChalkInstance): string {
  if (pinnedCount === 0 && listed > 0 && differences.every((difference) => difference.kind === 'new')) {
    return `nothing pinned yet for this server: ${listed} ${listed === 1 ? 'tool' : 'tools'} listed (${differences.map((d) => d.name).join(', ')})\n`;
  }
  if (differences.length === 0) return `all ${listed} ${listed === 1 ? 'tool matches its pin' : 'tools match their pins'}\n`;
  const out: string[] = [];
  for (const difference of differences) {
    if (difference.kind === 'new') out.push(chalk.bold(`new      ${difference.name}`) + chalk.dim(' (listed, not pinned yet)'));
    if (difference.kind === 'gone') out.push(chalk.bold(`gone     ${difference.name}`) + chalk.dim(' (pinned, no longer listed)'));
    if (difference.kind === 'changed' && difference.pinned && difference.current) {
      const parts = changedParts(difference.pinned.definition, difference.current.definition);
      out.push(chalk.bold(`changed  ${difference.name}`) + chalk.dim(` (${parts.join(', ') || 'definition'}; pinned ${new Date(difference.pinned.pinnedMs).toISOString()})`));
      out.push(chalk.red(`--- pinned ${difference.pinned.digest}`), chalk.green(`+++ listed ${difference.current.digest}`));
      for (const line of diffDefinitions(difference.pinned.definition, difference.current.definition)) {
        const text = `${line.op} ${line.text}`;
        out.push(line.op === '-' ? chalk.red(text) : line.op === '+' ? chalk.green(text) : chalk.dim(text));
      }
    }
  }
  const same = listed - differences.filter((difference) => difference.kind !== 'gone').length;
  out.push(`${differences.length} ${differences.length === 1 ? 'difference' : 'differences'}; ${same} ${same === 1 ? 'tool matches its pin' : 'tools match their pins'}`);
  return `${out.join('\n')}\n`;
}
