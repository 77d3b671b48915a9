import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why a policy file may not be watched for changes, or undefined when it may. With reloading on,
 * whoever can write the file (or replace it in its folder) sets the policy of a running session:
 * an agent holding a file-writing tool could loosen its own limits. So the file and its folder
 * must belong to the user running the wrapper and be writable by nobody else. Windows has no
 * POSIX owner or mode bits to read; there the check is left to the folder's ACL.
 */
export function unsafeToWatch(path: string, uid: number | undefined = process.getuid?.()): string | undefined {
  if (uid === undefined) return undefined;
  for (const [what, target] of [['the policy file', path], ['its folder', dirname(path)]] as const) {
    const stat = statSync(target);
    if (stat.uid !== uid) return `${what} ${target} belongs to user ${stat.uid}, not to the user running policy-wrap (${uid})`;
    if ((stat.mode & 0o022) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      return `${what} ${target} is writable by ${stat.mode & 0o002 ? 'others' : 'its group'} (mode ${mode}); run chmod go-w on it`;
    }
  }
  return undefined;
}

/** The environment the server gets: the wrapper's own, less its POLICY_WRAP_* settings (a Redis URL may hold a password). */
export function serverEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith('POLICY_WRAP_')));
}
