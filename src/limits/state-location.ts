import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { PolicyWrapError } from '../errors.js';
import { maskedRedisUrl } from '../shared/redis-url.js';

/** Where counts live, as chosen by `--state`, POLICY_WRAP_STATE, or the default. */
export type StateLocation = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

export interface StateLocationOptions {
  /** Read for POLICY_WRAP_STATE; default process.env. */
  env?: Record<string, string | undefined>;
  /** Relative file paths resolve against it; default process.cwd(). */
  cwd?: string;
}

/**
 * `memory`, a `redis://` (or `rediss://`) URL, or a file path (`./memory` is a file named memory).
 * An explicit spec wins over POLICY_WRAP_STATE; with neither, counts go to the default file.
 */
export function resolveStateLocation(spec: string | undefined, options: StateLocationOptions = {}): StateLocation {
  const env = options.env ?? process.env;
  const chosen = spec ?? (env.POLICY_WRAP_STATE || undefined);
  if (chosen === undefined) return { kind: 'sqlite', path: defaultStateFile() };
  if (chosen === 'memory') return { kind: 'memory' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(chosen)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'redis', url: checkedRedisUrl(chosen) };
  if (scheme !== undefined || chosen.trim() === '') {
    throw new PolicyWrapError(
      'state.invalid-spec',
      `state "${chosen}" is not memory, a file path or a redis:// URL`,
    );
  }
  return { kind: 'sqlite', path: resolve(options.cwd ?? process.cwd(), chosen) };
}

/**
 * `counters.sqlite` in the per-user state directory: $XDG_STATE_HOME/policy-wrap (by default
 * ~/.local/state/policy-wrap) on Linux and other Unixes, since counters are state worth keeping
 * across restarts but not user data; ~/Library/Application Support/policy-wrap on macOS and
 * %LOCALAPPDATA%\policy-wrap\Data on Windows, which have no state directory of their own.
 * env-paths calls the XDG state directory `log`.
 */
export function defaultStateFile(): string {
  const paths = envPaths('policy-wrap', { suffix: '' });
  const dir = process.platform === 'darwin' || process.platform === 'win32' ? paths.data : paths.log;
  return join(dir, 'counters.sqlite');
}

/** One line for messages and the audit log; never shows a Redis password. */
export function describeStateLocation(location: StateLocation): string {
  switch (location.kind) {
    case 'memory':
      return 'memory (this process only)';
    case 'sqlite':
      return `SQLite file ${location.path}`;
    case 'redis':
      return `Redis ${maskedRedisUrl(location.url)}`;
  }
}

function checkedRedisUrl(spec: string): string {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new PolicyWrapError('state.invalid-spec', `state URL "${maskedRedisUrl(spec)}" is not a valid URL; use redis://host:port[/db]`);
  }
  const db = url.pathname.replace(/^\//, '');
  if (url.hostname === '' || (db !== '' && !/^\d+$/.test(db))) {
    throw new PolicyWrapError(
      'state.invalid-spec',
      `state URL "${maskedRedisUrl(spec)}" needs a host and at most a database number; use redis://host:port[/db]`,
    );
  }
  return spec;
}
