import { PolicyWrapError } from '../errors.js';
import { didYouMean } from '../policy/suggest.js';
import { expandHome } from './home-path.js';

/**
 * The --state spec (else $POLICY_WRAP_STATE) with `~/` expanded, checked before any store opens:
 * `memory`, a URL (src/limits checks it is redis:// or rediss://), or something that is plainly a
 * file, with a `/` in it or a .sqlite or .db ending. Anything else is far more often a typo than a
 * file name (`--state memry`), so it is `state.invalid-spec` (exit 2) instead of a new SQLite file.
 * undefined means neither was given: the default file.
 */
export function checkedStateSpec(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = option === undefined;
  const chosen = option ?? (env.POLICY_WRAP_STATE || undefined);
  if (chosen === undefined) return undefined;
  const spec = expandHome(chosen, env);
  if (spec === 'memory' || spec.includes('://') || looksLikeFile(spec)) return spec;
  const given = fromEnv ? `POLICY_WRAP_STATE=${JSON.stringify(chosen)}` : `--state ${JSON.stringify(chosen)}`;
  const file = spec.trim() === '' ? '' : `; for a file, write ./${spec} or ${spec}.sqlite`;
  throw new PolicyWrapError(
    'state.invalid-spec',
    `${given} is not memory, a redis:// URL or a file path${didYouMean(spec, ['memory'])}${file}`,
  );
}

function looksLikeFile(spec: string): boolean {
  return spec.includes('/') || (process.platform === 'win32' && spec.includes('\\')) || /\.(sqlite|db)$/i.test(spec);
}
