import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A leading `~/` becomes the home directory ($HOME, else the system's idea of it). Shells do this
 * for typed arguments, but MCP hosts start the wrapper from a JSON config, where nobody does.
 */
export function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (!path.startsWith('~/') && !(process.platform === 'win32' && path.startsWith('~\\'))) return path;
  return join(env.HOME || homedir(), path.slice(2));
}
