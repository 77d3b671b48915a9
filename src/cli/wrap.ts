import { randomUUID } from 'node:crypto';
import { noAuditSink, openAuditSink, type AuditSink } from '../audit/sink.js';
import { createPolicyGate } from '../enforce/policy-gate.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { Limiter } from '../limits/limiter.js';
import { DeferredStore } from '../limits/deferred-store.js';
import { errorMessage } from '../shared/values.js';
import { systemClock } from '../limits/types.js';
import { formatProblem, loadPolicyFile, type CompiledPolicy, type Problem } from '../policy/index.js';
import { runSession } from '../proxy/session.js';
import { splitAtCommand } from './argv.js';
import { approvalSetup } from './approval-setup.js';
import { pinSetup } from './pin-setup.js';
import { runCommand, sayer, type Say } from './command.js';
import { expandHome } from './home-path.js';
import type { CliIo } from './io.js';
import { serverEnvironment, unsafeToWatch } from './policy-permissions.js';
import { watchPolicyFile } from './policy-watch.js';
import { checkedStateSpec } from './state-option.js';
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

function reportProblems(problems: readonly Problem[], say: Say): void {
  for (const problem of problems) (problem.severity === 'error' ? say.fail : say.warn)(formatProblem(problem));
}

/** `policy-wrap [options] [--] <command> [args...]`: `argv` is everything after the script. */
export async function wrapCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const say = sayer('policy-wrap', io);
  return runCommand(say, () => wrap(argv, io, say));
}

async function wrap(argv: readonly string[], io: CliIo, say: Say): Promise<number> {
  const cli = wrapProgram(io, say);
  const { own, command } = splitAtCommand(argv, cli.options);
  const options = cli.parse(own, { from: 'user' }).opts<WrapOptions>();
  const [file, ...args] = command ?? [];
  if (file === undefined || file === '') {
    say.fail(`missing the server command; usage: ${WRAP_USAGE}`);
    return ExitCode.usage;
  }
  const state = checkedStateSpec(options.state, io.env);

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

  const audit: AuditSink = options.audit === undefined ? noAuditSink : openAuditSink(expandHome(options.audit, io.env), io.stderr);
  let store: DeferredStore;
  try {
    // Opened only for a policy with limits: one without never loads SQLite (or Redis).
    store = new DeferredStore(state, { env: io.env, cwd: io.cwd, redisKeyPrefix: options.statePrefix });
    if (countsCalls(loaded.policy)) await store.open();
  } catch (error) {
    await audit.close();
    throw error;
  }
  const limiter = new Limiter({ store, clock: systemClock, failMode: options.stateFail });

  let policy: CompiledPolicy = loaded.policy;
  const grant = grantOf(options, io);
  const session = randomUUID();
  const approvals = approvalSetup({ state, statePrefix: options.statePrefix, grant, session, clock: systemClock, command: { file, args } }, io);
  const pins = pinSetup(
    { policy: loaded.policy, policyPath: path, state, statePrefix: options.statePrefix, command: { file, args }, clock: systemClock, session, grant, ...(options.audit === undefined ? {} : { audit }), log: say.warn },
    io,
  );
  try {
    // A policy that pins reads its pins before the first tools/list, so that list is judged already.
    if (loaded.policy.pin !== 'off') await pins.guard.load();
  } catch (error) {
    await Promise.all([limiter.close(), audit.close(), approvals.close(), pins.close()]);
    if (error instanceof PolicyWrapError) throw error;
    throw new PolicyWrapError('state.unavailable', `the policy pins tool definitions ("pin": "${loaded.policy.pin}") and the pins cannot be read: ${errorMessage(error)}`, { cause: error });
  }
  const gate = createPolicyGate({
    policy: () => policy,
    limiter,
    clock: systemClock,
    grant,
    session,
    approvals: approvals.desk,
    pins: pins.guard,
    monitor: options.monitor,
    ...(options.audit === undefined ? {} : { audit }),
    auditArguments: options.auditArguments,
    auditFail: options.auditFail,
  });
  /** Counts reloads, so a reload that waited for the store never replaces a newer one. */
  let reloads = 0;
  const watcher = options.watch
    ? watchPolicyFile(path, {
        onReload(next, warnings) {
          const reload = ++reloads;
          const apply = (): void => {
            const previous = policy;
            policy = next;
            reportProblems(warnings, say);
            say.log(`policy reloaded from ${path}`);
            gate.policyReplaced(previous);
          };
          if (store.isOpen || !countsCalls(next)) return apply();
          // The first limits of the session: the store opens now, and the policy applies once it has.
          void store.open().then(
            () => {
              if (reload === reloads) apply();
            },
            (error: unknown) => {
              if (reload !== reloads) return;
              const code = (error as { code?: unknown }).code;
              const what = typeof code === 'string' ? `${code}: ${errorMessage(error)}` : errorMessage(error);
              say.fail(`the changed policy ${path} has limits and no store can count them (${what}); the previous policy stays in force`);
            },
          );
        },
        onRejected(problems) {
          reloads += 1;
          reportProblems(problems, say);
          say.fail(`the changed policy ${path} was rejected; the previous policy stays in force`);
        },
      })
    : undefined;

  // A person who started the wrapper by hand would otherwise look at a silent terminal.
  if (io.stdin.isTTY) say.log('waiting for an MCP client on stdin (this is a stdio server: run it from an MCP host, or pipe JSON-RPC in)');
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
    await Promise.all([limiter.close(), audit.close(), approvals.close(), pins.close()]);
  }
}

/** Whether any call is counted under the policy: only then is a limit store needed. */
function countsCalls(policy: CompiledPolicy): boolean {
  const rules = [...policy.rules, ...policy.resources.rules, ...policy.prompts.rules];
  const serverRequests = Object.values(policy.serverRequests).some((rule) => rule.limits.length > 0);
  return policy.limits.length > 0 || rules.some((rule) => rule.limits.length > 0) || serverRequests;
}

/** The server shares the wrapper's stderr file descriptor when there is a real one to share. */
function isProcessStderr(io: CliIo): boolean {
  return io.stderr === process.stderr;
}
