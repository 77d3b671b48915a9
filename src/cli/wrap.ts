import { randomUUID } from 'node:crypto';
import { Chalk } from 'chalk';
import { CommanderError } from 'commander';
import { noAuditSink, openAuditSink, type AuditSink } from '../audit/sink.js';
import { createPolicyGate } from '../enforce/policy-gate.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { Limiter } from '../limits/limiter.js';
import { openStore } from '../limits/open-store.js';
import { systemClock, type LimitStore } from '../limits/types.js';
import { formatProblem, loadPolicyFile, type CompiledPolicy, type Problem } from '../policy/index.js';
import { runSession } from '../proxy/session.js';
import type { CliIo } from './io.js';
import { serverEnvironment, unsafeToWatch } from './policy-permissions.js';
import { watchPolicyFile } from './policy-watch.js';
import { grantOf, policyPath, WRAP_USAGE, wrapProgram, type WrapOptions } from './wrap-options.js';

/** One line, as MCP hosts show only the start of a server's stderr: the first error and what to do. */
function startupProblem(problems: readonly Problem[], path: string): string {
  const errors = problems.filter((problem) => problem.severity === 'error');
  const first = errors[0] ?? problems[0];
  if (first === undefined) return `${path}: the policy cannot be used`;
  if (first.code === 'policy.missing') return `${formatProblem(first)}; pass --policy <file> or set POLICY_WRAP_POLICY`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more; run policy-wrap lint ${path})` : '';
  return `${formatProblem(first)}${more}`;
}

interface Reporter {
  log(message: string): void;
  warn(message: string): void;
  fail(message: string): void;
}

/** Everything the wrapper says goes to stderr, one line each, prefixed; colour only on a terminal. */
function reporter(io: CliIo): Reporter {
  const chalk = new Chalk({ level: io.stderr.isTTY ? 1 : 0 });
  const prefix = chalk.dim('policy-wrap: ');
  return {
    log: (message) => io.stderr.write(`${prefix}${message}\n`),
    warn: (message) => io.stderr.write(`${prefix}${chalk.yellow(message)}\n`),
    fail: (message) => io.stderr.write(`${prefix}${chalk.red(message)}\n`),
  };
}

function reportProblems(problems: readonly Problem[], say: Reporter): void {
  for (const problem of problems) (problem.severity === 'error' ? say.fail : say.warn)(formatProblem(problem));
}

export async function wrapCommand(own: string[], command: string[] | undefined, io: CliIo): Promise<number> {
  const say = reporter(io);
  let options: WrapOptions;
  try {
    options = wrapProgram(io, say.fail).parse(own, { from: 'user' }).opts<WrapOptions>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    throw error;
  }
  const [file, ...args] = command ?? [];
  if (file === undefined || file === '') {
    say.fail(`missing the server command; usage: ${WRAP_USAGE}`);
    return ExitCode.usage;
  }

  // Fail closed before anything is spawned: no usable policy, no server.
  const path = policyPath(options, io);
  const loaded = loadPolicyFile(path);
  if (!loaded.ok) {
    say.fail(startupProblem(loaded.problems, path));
    return ExitCode.usage;
  }
  reportProblems(loaded.warnings, say);
  const unsafe = options.watch ? unsafeToWatch(path) : undefined;
  if (unsafe !== undefined) {
    say.fail(`${path}: policy.unsafe-to-watch: ${unsafe}; with --watch nobody else may change the policy of a running session`);
    return ExitCode.usage;
  }

  let audit: AuditSink;
  let store: LimitStore;
  try {
    audit = options.audit === undefined ? noAuditSink : openAuditSink(options.audit, io.stderr);
  } catch (error) {
    if (!(error instanceof PolicyWrapError)) throw error;
    say.fail(`${error.code}: ${error.message}`);
    return error.exitCode;
  }
  try {
    store = await openStore(options.state, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
  } catch (error) {
    await audit.close();
    if (!(error instanceof PolicyWrapError)) throw error;
    say.fail(`${error.code}: ${error.message}`);
    return error.exitCode;
  }
  const limiter = new Limiter({ store, clock: systemClock, failMode: options.stateFail });

  let policy: CompiledPolicy = loaded.policy;
  const gate = createPolicyGate({
    policy: () => policy,
    limiter,
    clock: systemClock,
    grant: grantOf(options, io),
    session: randomUUID(),
    monitor: options.monitor,
    ...(options.audit === undefined ? {} : { audit }),
    auditArguments: options.auditArguments,
    auditFail: options.auditFail,
  });
  const watcher = options.watch
    ? watchPolicyFile(path, {
        onReload(next, warnings) {
          const previous = policy;
          policy = next;
          reportProblems(warnings, say);
          say.log(`policy reloaded from ${path}`);
          gate.policyReplaced(previous);
        },
        onRejected(problems) {
          reportProblems(problems, say);
          say.fail(`the changed policy ${path} was rejected; the previous policy stays in force`);
        },
      })
    : undefined;

  try {
    return await runSession({
      command: { file, args, env: serverEnvironment(io.env), cwd: io.cwd, stderr: isProcessStderr(io) ? 'inherit' : io.stderr },
      client: { input: io.stdin, output: io.stdout },
      gate,
      maxMessageBytes: options.maxMessageBytes,
      log: say.log,
    });
  } finally {
    watcher?.close();
    await Promise.all([limiter.close(), audit.close()]);
  }
}

/** The server shares the wrapper's stderr file descriptor when there is a real one to share. */
function isProcessStderr(io: CliIo): boolean {
  return io.stderr === process.stderr;
}
