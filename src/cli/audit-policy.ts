import { resolve } from 'node:path';
import { formatProblem, loadPolicyFile, type CompiledPolicy } from '../policy/index.js';
import { PolicyWrapError } from '../errors.js';
import type { CliIo } from './io.js';

/** The policy at `shown` (relative to the working folder), or its problems on stderr and exit 2. */
export function loadPolicyOrFail(shown: string, io: CliIo): CompiledPolicy {
  const loaded = loadPolicyFile(resolve(io.cwd, shown), shown);
  if (loaded.ok) return loaded.policy;
  for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem)}\n`);
  throw new PolicyWrapError('audit.policy-unusable', `${shown} cannot be used; fix the problems above (policy-wrap lint ${shown} lists them too)`);
}
