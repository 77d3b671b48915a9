import { access, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { starterPolicy } from '../init/starter.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { listServerTools } from './server-tools.js';
import { timeoutOption, timeoutSeconds } from './timeout-option.js';

interface InitOptions {
  out?: string;
  force?: boolean;
  timeout: string;
}

function program(io: CliIo, say: Say): Command {
  return createProgram({
    name: 'policy-wrap init',
    usage: '[--out policy.json] [--force] -- <command> [args...]',
    description:
      'Start an MCP server, read its tools and write a starter policy: deny by default, read-only tools allowed, ' +
      'destructive and open-world tools listed as denied, other tools rate-limited.',
    io,
    say,
  })
    .option('-o, --out <file>', 'write the policy to this file instead of standard output')
    .option('-f, --force', 'overwrite --out if it exists (without it, an existing file is an error, exit 2)')
    .addOption(timeoutOption('how long the server gets for each answer'))
    .addHelpText('after', '\nExit codes: 0 written, 1 the server failed or stopped, 2 bad usage or --out exists, 127 command not found.');
}

function refuseExisting(path: string): PolicyWrapError {
  return new PolicyWrapError('init.out-exists', `${path} already exists; pass --force to overwrite it, or choose another --out`);
}

async function ensureAbsent(path: string): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw refuseExisting(path);
}

async function run(own: string[], command: string[] | undefined, io: CliIo, say: Say): Promise<number> {
  const cli = program(io, say).parse(own, { from: 'user' });
  if (command === undefined || command.length === 0) {
    throw new PolicyWrapError('init.no-command', 'give the server command after --, e.g. policy-wrap init -- node server.js');
  }
  const options = cli.opts<InitOptions>();
  const timeout = timeoutSeconds(options.timeout);
  const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
  if (out !== undefined && !options.force) await ensureAbsent(out);

  const { document, kinds, notes } = starterPolicy(
    await listServerTools(command, { timeoutSeconds: timeout, clientName: 'policy-wrap-init', codePrefix: 'init' }, io),
  );
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (out === undefined) {
    io.stdout.write(text);
  } else {
    await writeFile(out, text, { flag: options.force ? 'w' : 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw refuseExisting(out);
      throw new PolicyWrapError('init.write-failed', `cannot write ${out}: ${error.message}`, { cause: error });
    });
  }
  for (const note of notes) say.log(note);
  const denied = kinds.destructive + kinds['open-world'];
  const total = denied + kinds['read-only'] + kinds.contained;
  say.log(
    `${total} tools: ${kinds['read-only']} read-only allowed, ${kinds.contained} rate-limited, ` +
      `${denied} denied${out === undefined ? '' : `; wrote ${out}`}. These follow the server's own annotations, ` +
      'which policy-wrap cannot verify: review the policy before use.',
  );
  return ExitCode.ok;
}

/** `policy-wrap init [--out file] [--force] [--timeout s] -- <command> [args...]` */
export async function initCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap init', io);
  return runCommand(say, () => run(own, command, io, say));
}
