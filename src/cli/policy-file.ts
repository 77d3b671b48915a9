import { formatProblem, loadPolicyFile, type CompiledPolicy } from '../policy/index.js';
import type { Say } from './command.js';
import type { CliIo } from './io.js';
import { policyName, policyPath } from './wrap-options.js';

/**
 * The policy a command names with `--policy` (else $POLICY_WRAP_POLICY, else ./policy.json), or,
 * when it cannot be used, undefined after its problems are on stderr, each located, and one line
 * saying so: the command then exits 2, before it starts anything.
 */
export function usablePolicy(options: { policy?: string }, io: CliIo, say: Say): CompiledPolicy | undefined {
  const named = policyName(options, io);
  const loaded = loadPolicyFile(policyPath(options, io), named);
  if (loaded.ok) return loaded.policy;
  for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem)}\n`);
  say.fail(`${named} cannot be used; fix the problems above (policy-wrap lint ${named} lists them too)`);
  return undefined;
}
