import { compareStrings } from './problems.js';

/**
 * The candidate closest to `word` by edit distance (a swap of two neighbours counts as one edit),
 * if it is close enough to be a likely typo: at most one edit in four characters, at least one.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const allowed = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 4));
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance > allowed) continue;
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && compareStrings(candidate, best) < 0)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : ` (did you mean ${JSON.stringify(match)}?)`;
}

/** Optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j += 1) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const previous = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, ((rows[i - 2] as number[])[j - 2] ?? 0) + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] ?? 0;
}

/**
 * Field names from other policy formats that mean one of ours though no edit distance finds it:
 * PolicyLayer's and others' spellings of rate limits are `limits` here.
 */
const fieldAliases: Readonly<Record<string, string>> = {
  rate_limit: 'limits',
  rate_limits: 'limits',
  ratelimit: 'limits',
  ratelimits: 'limits',
  rateLimit: 'limits',
  rateLimits: 'limits',
  'rate-limit': 'limits',
  'rate-limits': 'limits',
  quota: 'limits',
  quotas: 'limits',
  throttle: 'limits',
  hidden: 'hide',
};

/** "did you mean" for an unknown field: a known alias first (when the field it names is allowed there), else the closest name. */
export function didYouMeanField(field: string, known: readonly string[]): string {
  const alias = Object.hasOwn(fieldAliases, field) ? fieldAliases[field] : undefined;
  if (alias !== undefined && known.includes(alias)) return ` (did you mean ${JSON.stringify(alias)}?)`;
  return didYouMean(field, known);
}
