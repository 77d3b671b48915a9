import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { normalizeApprovalCode } from '../approvals/codes.js';
import { openApprovalStore } from '../approvals/open-approval-store.js';
import { isDecided, type ApprovalRecord, type ApprovalStore, type DecidedApproval, type PendingApproval, type Remember } from '../approvals/types.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { resolveStateLocation } from '../limits/state-location.js';
import { errorMessage } from '../shared/values.js';
import { createProgram, runCommand, sayer, type Say } from './command.js';
import type { CliIo } from './io.js';
import { checkedStateSpec } from './state-option.js';

/*
 * `policy-wrap approvals`, `approve <code>` and `deny <code>`: a person answers, from a terminal,
 * the calls a wrapper could not ask about through its client. They read and write the pending
 * approvals where the wrapper keeps them: the counters' SQLite file or Redis (--state).
 */

interface StateOptions {
  state?: string;
  statePrefix?: string;
}

interface ListOptions extends StateOptions {
  format: 'text' | 'json';
}

const stateHelp = 'where the wrapper keeps counters and approvals: a SQLite file or redis://… (default: $POLICY_WRAP_STATE, else the default SQLite file)';
const prefixHelp = 'prefix of every Redis key (default "policy-wrap:")';

function withState(command: Command): Command {
  return command
    .option('--state <where>', stateHelp)
    .option('--state-prefix <prefix>', prefixHelp)
    .addHelpText('after', '\nA leading ~/ in --state is your home directory. Use the same --state (and --state-prefix) as the wrapper.');
}

/** `policy-wrap approvals [--state where] [--state-prefix prefix] [--format text|json]` */
export async function approvalsCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap approvals', io);
  return runCommand(say, async () => {
    const cli = withState(
      createProgram({
        name: 'policy-wrap approvals',
        usage: '[--state <where>] [--state-prefix <prefix>] [--format text|json]',
        description:
          'List the calls waiting for a person to approve them, with their codes, and the answers a call can still ' +
          'use. Answer one with "policy-wrap approve <code>" or "policy-wrap deny <code>".',
        io,
        say,
      }),
    )
      .addOption(new Option('--format <format>', 'a list for people, or a JSON array of the records for scripts').choices(['text', 'json']).default('text'))
      .addHelpText('after', '\nExit codes: 0 listed (also when nothing waits), 2 bad usage or a store that cannot be read.');
    const options = cli.parse(own, { from: 'user' }).opts<ListOptions>();
    if (noCommand(command, say, 'approvals')) return ExitCode.usage;
    const records = await withStore(options, io, say, 'list', async (store) => store.list(Date.now()));
    const nowMs = Date.now();
    if (options.format === 'json') io.stdout.write(`${JSON.stringify(records ?? [], null, 2)}\n`);
    else if (records === undefined || records.length === 0) io.stdout.write('nothing waits for approval\n');
    else io.stdout.write(records.map((record) => describeRecord(record, nowMs)).join('\n'));
    return ExitCode.ok;
  });
}

/** `policy-wrap approve <code> [--state where] [--state-prefix prefix]` */
export async function approveCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap approve', io);
  return runCommand(say, async () => {
    const cli = withState(
      createProgram({
        name: 'policy-wrap approve',
        usage: '<code> [--state <where>] [--state-prefix <prefix>]',
        description:
          'Show a call waiting for approval and ask "Approve? [y/N]"; only y or yes approves it, and the agent can then ' +
          'try the call again. Needs a person at an interactive terminal: with stdin not a terminal (a script, or an ' +
          "agent's command tool) it refuses, so an agent cannot approve its own calls.",
        io,
        say,
      }),
    )
      .argument('<code>', 'the approval code, as the agent or "policy-wrap approvals" gave it (any case, dash optional)')
      .addHelpText('after', '\nExit codes: 0 approved, 1 not approved (answered no) or no such code waiting, 2 bad usage, not a terminal, or a store that cannot be read.');
    const parsed = cli.parse(own, { from: 'user' });
    const options = parsed.opts<StateOptions>();
    if (noCommand(command, say, 'approve')) return ExitCode.usage;
    const code = checkedCode(parsed.processedArgs[0] as string);
    if (io.stdin.isTTY !== true) {
      throw new PolicyWrapError(
        'approvals.not-a-terminal',
        `approving needs a person at an interactive terminal, and stdin is not one; run "policy-wrap approve ${code}" in a terminal yourself (an agent cannot approve its own calls)`,
      );
    }
    const outcome = await withStore(options, io, say, 'approve', async (store) => {
      const record = await waiting(store, code, Date.now());
      io.stdout.write(describeCall(record, Date.now()));
      io.stdout.write('Approve? [y/N] ');
      const answer = (await readAnswer(io)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') return 'kept' as const;
      const decided = await store.decide(code, 'approved', approver(io), Date.now());
      return decided ? ('approved' as const) : ('gone' as const);
    });
    if (outcome === undefined) throw unknownCode(code);
    if (outcome === 'kept') {
      io.stdout.write(`Not approved: ${code} still waits; approve it later or refuse it with "policy-wrap deny ${code}".\n`);
      return ExitCode.problems;
    }
    if (outcome === 'gone') throw new PolicyWrapError('approvals.unknown-code', `${code} expired or was answered elsewhere while you decided; nothing was approved`, { exitCode: ExitCode.problems });
    io.stdout.write(`Approved ${code}: ask the agent to try the call again.\n`);
    return ExitCode.ok;
  });
}

/** `policy-wrap deny <code> [--state where] [--state-prefix prefix]` */
export async function denyCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = sayer('policy-wrap deny', io);
  return runCommand(say, async () => {
    const cli = withState(
      createProgram({
        name: 'policy-wrap deny',
        usage: '<code> [--state <where>] [--state-prefix <prefix>]',
        description:
          "Refuse a call waiting for approval: the agent's next try of it is refused as denied. Asks nothing and needs " +
          'no terminal, since refusing is the safe direction (a script may deny).',
        io,
        say,
      }),
    )
      .argument('<code>', 'the approval code (any case, dash optional)')
      .addHelpText('after', '\nExit codes: 0 denied, 1 no such code waiting, 2 bad usage or a store that cannot be read.');
    const parsed = cli.parse(own, { from: 'user' });
    const options = parsed.opts<StateOptions>();
    if (noCommand(command, say, 'deny')) return ExitCode.usage;
    const code = checkedCode(parsed.processedArgs[0] as string);
    const record = await withStore(options, io, say, 'deny', async (store) => {
      const found = await waiting(store, code, Date.now());
      return (await store.decide(code, 'denied', approver(io), Date.now())) ? found : undefined;
    });
    if (record === undefined) throw unknownCode(code);
    io.stdout.write(`Denied ${code}: ${record.tool} on ${record.server} (grant ${record.grant}); the agent's next try is refused.\n`);
    return ExitCode.ok;
  });
}

function noCommand(command: string[] | undefined, say: Say, name: string): boolean {
  if (command === undefined) return false;
  say.fail(`${name} starts no server: nothing goes after --`);
  return true;
}

function checkedCode(typed: string): string {
  const code = normalizeApprovalCode(typed);
  if (code === undefined) {
    throw new PolicyWrapError('approvals.invalid-code', `"${typed}" is not an approval code; codes look like K7PQ-2M9D (see policy-wrap approvals)`);
  }
  return code;
}

function unknownCode(code: string): PolicyWrapError {
  return new PolicyWrapError(
    'approvals.unknown-code',
    `no call waits for approval with code ${code}: it expired, was answered already, or lives in another store (check --state); policy-wrap approvals lists what waits`,
    { exitCode: ExitCode.problems },
  );
}

/** The pending record with this code; throws unknown-code, or already-decided for one answered before. */
async function waiting(store: ApprovalStore, code: string, nowMs: number): Promise<PendingApproval> {
  const record = await store.get(code, nowMs);
  if (record === undefined) throw unknownCode(code);
  if (isDecided(record)) {
    throw new PolicyWrapError('approvals.already-decided', `${code} was already ${record.verdict} by ${record.by} ${ago(record.decidedMs, nowMs)}`, { exitCode: ExitCode.problems });
  }
  return record;
}

/**
 * Runs `use` on the store the options name; undefined when there is nothing to read: a SQLite file
 * that does not exist yet (it is not created here) or `memory`, which no other process can see.
 */
async function withStore<T>(options: StateOptions, io: CliIo, say: Say, name: string, use: (store: ApprovalStore) => Promise<T>): Promise<T | undefined> {
  const spec = checkedStateSpec(options.state, io.env);
  const location = resolveStateLocation(spec, { env: io.env, cwd: io.cwd });
  if (location.kind === 'memory') {
    say.warn('--state memory: approvals live inside each wrapper process, which only its client can answer; give the wrapper\'s --state file or redis:// URL');
    return undefined;
  }
  if (location.kind === 'sqlite' && !existsSync(location.path)) return undefined;
  const store = await openApprovalStore(spec, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
  try {
    return await use(store);
  } catch (error) {
    if (error instanceof PolicyWrapError) throw error;
    throw new PolicyWrapError(`${name === 'list' ? 'approvals' : name}.state-unreadable`, `cannot reach the approvals: ${errorMessage(error)}; check --state or POLICY_WRAP_STATE`, { cause: error });
  } finally {
    await store.close();
  }
}

/** One line from stdin (empty at end of input), leaving stdin paused so the process can exit. */
function readAnswer(io: CliIo): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: io.stdin, terminal: false });
    let answered = false;
    const finish = (line: string): void => {
      if (answered) return;
      answered = true;
      lines.close();
      io.stdin.pause();
      resolve(line);
    };
    lines.once('line', finish);
    lines.once('close', () => finish(''));
  });
}

/** The OS user answering, as the audit log records it. */
function approver(io: CliIo): string {
  try {
    return userInfo().username;
  } catch {
    return io.env.USER || io.env.USERNAME || 'unknown';
  }
}

function describeRecord(record: ApprovalRecord, nowMs: number): string {
  const state = isDecided(record)
    ? `${record.verdict} by ${record.by} ${ago(record.decidedMs, nowMs)}, ${usable(record)} ${span(record.usableUntilMs - nowMs)}`
    : `waiting, asked ${ago(record.createdMs, nowMs)}, expires in ${span(record.expiresMs - nowMs)}`;
  return [
    `${record.code}  ${record.tool}  (${state})`,
    `  server:    ${record.server}`,
    `  grant:     ${record.grant}`,
    `  arguments: ${record.rendering}`,
    `  digest:    ${record.argumentsDigest}`,
    ...(isDecided(record) && record.verdict === 'denied' ? [] : [`  covers:    ${covers(record.remember)}`]),
    '',
  ].join('\n');
}

/** Who can still use a verdict, before "<span>". */
function usable(record: DecidedApproval): string {
  if (record.verdict === 'denied') return 'refuses the next matching call within';
  if (record.remember.kind === 'call') return 'usable once by the next matching call within';
  if (record.remember.kind === 'session') return "usable by that session's matching calls for";
  return 'usable by every matching call for';
}

function describeCall(record: ApprovalRecord, nowMs: number): string {
  return [
    `${record.server} wants to run the tool "${record.tool}" (grant ${record.grant}), asked ${ago(record.createdMs, nowMs)}:`,
    `  arguments: ${record.rendering}`,
    `  digest:    ${record.argumentsDigest}`,
    `Approving covers ${covers(record.remember)}. The code expires in ${span(record.expiresMs - nowMs)}.`,
    '',
  ].join('\n');
}

/** What one approval covers, in words. */
function covers(remember: Remember): string {
  if (remember.kind === 'call') return 'this one call, once';
  if (remember.kind === 'session') return 'every call of this tool with these arguments for the rest of that wrapper session';
  return `every call of this tool with these arguments for ${span(remember.ms)} after approval`;
}

function ago(thenMs: number, nowMs: number): string {
  const ms = nowMs - thenMs;
  return ms < 1000 ? 'just now' : `${span(ms)} ago`;
}

/** 45 s, 3 min, 2 min 5 s, 1 h 20 min, 2 d 3 h: the two largest units. */
function span(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const first = units.findIndex(([size]) => seconds >= size);
  if (first < 0) return '0 s';
  const [size, name] = units[first] as [number, string];
  const whole = Math.floor(seconds / size);
  const next = units[first + 1];
  const rest = next === undefined ? 0 : Math.floor((seconds - whole * size) / next[0]);
  return next === undefined || rest === 0 ? `${whole} ${name}` : `${whole} ${name} ${rest} ${next[1]}`;
}
