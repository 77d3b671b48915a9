// The configurations a workload is driven through, each a command line that ends at the same
// fast server.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export const paths = {
  fastServer: here('./fast-server.js'),
  bareRelay: here('./bare-relay.js'),
  // BENCH_WRAPPER: bench another build of policy-wrap (a branch, an experiment) against the same rows.
  wrapper: process.env.BENCH_WRAPPER ? resolve(process.env.BENCH_WRAPPER) : here('../bin/policy-wrap.js'),
  allowAll: here('./policies/allow-all.json'),
  enforcing: here('./policies/enforcing.json'),
};

/**
 * @typedef {object} Config
 * @property {string} id
 * @property {string} label
 * @property {boolean} enforcing the enforcing policy is in force (the refused call is refused)
 * @property {boolean} wrapper a process sits between client and server (its memory is sampled)
 * @property {'memory' | 'sqlite' | 'redis'} [store]
 * @property {(run: {auditFile: string}) => {command: string, args: string[]}} [commandLine]
 * @property {string} [skipped] why the configuration does not run
 */

/**
 * @param {{wrapper: string, sqlitePath: string, redis: {url: string} | {skipped: string}, nodeOptions: string[]}} setup
 *   wrapper: the policy-wrap entry point to start (run.js passes its snapshot of paths.wrapper)
 * @returns {Config[]}
 */
export function configurations({ wrapper, sqlitePath, redis, nodeOptions }) {
  const node = process.execPath;
  const server = [node, paths.fastServer];
  const wrap = (policy, state, auditFile) => ({
    command: node,
    args: [
      ...nodeOptions,
      wrapper,
      '--policy',
      policy,
      '--state',
      state,
      ...(auditFile ? ['--audit', auditFile] : []),
      '--',
      ...server,
    ],
  });
  return [
    {
      id: 'direct',
      label: 'direct (no wrapper)',
      enforcing: false,
      wrapper: false,
      commandLine: () => ({ command: node, args: [paths.fastServer] }),
    },
    {
      id: 'bare',
      label: 'bare relay',
      enforcing: false,
      wrapper: true,
      commandLine: () => ({ command: node, args: [paths.bareRelay, ...server] }),
    },
    {
      id: 'allowAll',
      label: 'policy-wrap, allow-all',
      enforcing: false,
      wrapper: true,
      store: 'memory',
      commandLine: () => wrap(paths.allowAll, 'memory'),
    },
    {
      id: 'enforceMemory',
      label: 'policy-wrap, enforcing, memory',
      enforcing: true,
      wrapper: true,
      store: 'memory',
      commandLine: ({ auditFile }) => wrap(paths.enforcing, 'memory', auditFile),
    },
    {
      id: 'enforceSqlite',
      label: 'policy-wrap, enforcing, SQLite',
      enforcing: true,
      wrapper: true,
      store: 'sqlite',
      commandLine: ({ auditFile }) => wrap(paths.enforcing, sqlitePath, auditFile),
    },
    {
      id: 'enforceRedis',
      label: 'policy-wrap, enforcing, Redis',
      enforcing: true,
      wrapper: true,
      store: 'redis',
      ...('skipped' in redis
        ? { skipped: redis.skipped }
        : { commandLine: ({ auditFile }) => wrap(paths.enforcing, redis.url, auditFile) }),
    },
  ];
}
