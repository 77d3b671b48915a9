import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../proxy/message-size.js';
import { createProgram, type Say } from './command.js';
import { expandHome } from './home-path.js';
import type { CliIo } from './io.js';

export const WRAP_USAGE = 'policy-wrap [options] [--] <command> [args...]';

export interface WrapOptions {
  policy?: string;
  grant?: string;
  audit?: string;
  auditArguments: boolean;
  auditFail: 'closed' | 'open';
  monitor: boolean;
  state?: string;
  stateFail: 'closed' | 'open';
  statePrefix?: string;
  watch: boolean;
  maxMessageBytes: number;
}

export function wrapProgram(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap',
    usage: '[options] [--] <command> [args...]',
    description:
      'Run an MCP stdio server behind a per-tool policy. The server command starts at the first argument that is ' +
      'not one of these options (or after --).\n\nOther commands: policy-wrap lint | init | tools | explain | help [command].',
    io,
    say,
  })
    .option('-p, --policy <file>', 'the policy (default: $POLICY_WRAP_POLICY, else ./policy.json)')
    .option('-g, --grant <name>', 'whose budgets `scope: "grant"` limits count (default: $POLICY_WRAP_GRANT, else "default")')
    .option('--audit <file>', 'append one JSON line per decision to this file ("-" for stderr)')
    .option('--audit-arguments', 'also write argument values to the audit log (off: keys and a digest only)', false)
    .addOption(new Option('--audit-fail <mode>', 'when the audit log cannot be written: refuse calls until it can (closed) or let them through unaudited (open)').choices(['closed', 'open']).default('closed'))
    .option('--monitor', 'decide and audit every call, block nothing (for rolling a policy out)', false)
    .option('--state <where>', 'where counters live: memory, a SQLite file (a path with a / or ending in .sqlite or .db), or redis://host:port[/db] (default: $POLICY_WRAP_STATE, else a SQLite file in the user state directory)')
    .addOption(new Option('--state-fail <mode>', 'when the counter store cannot be reached: refuse calls (closed) or let them through uncounted (open)').choices(['closed', 'open']).default('closed'))
    .option('--state-prefix <prefix>', 'prefix of every Redis key (default "policy-wrap:")')
    .option('--watch', 'reload the policy when its file changes (the file and its folder must be writable by you alone)', false)
    .option('--no-watch', 'do not reload the policy (the default)')
    .option('--max-message-bytes <n>', 'longest message accepted in either direction', byteCount, DEFAULT_MAX_MESSAGE_BYTES)
    .addHelpText('after', '\nA leading ~/ in --policy, --audit and --state is your home directory. MCP hosts start servers in a folder of their choosing: give them absolute paths.');
}

function byteCount(value: string): number {
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError('expected a whole number of bytes, at least 1');
  }
  return bytes;
}

/** The policy as named: by --policy, else $POLICY_WRAP_POLICY, else ./policy.json. */
export function policyName(options: Pick<WrapOptions, 'policy'>, io: CliIo): string {
  return options.policy ?? (io.env.POLICY_WRAP_POLICY || undefined) ?? 'policy.json';
}

/** The named policy's path: `~/` expanded, relative to the cwd. */
export function policyPath(options: Pick<WrapOptions, 'policy'>, io: CliIo): string {
  return resolve(io.cwd, expandHome(policyName(options, io), io.env));
}

export function grantOf(options: Pick<WrapOptions, 'grant'>, io: CliIo): string {
  return options.grant ?? (io.env.POLICY_WRAP_GRANT || undefined) ?? 'default';
}
