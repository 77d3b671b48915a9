// Order statistics over latency samples and per-run figures.

/** Nearest-rank percentile (p in 0..100) of numbers sorted ascending. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Concatenates typed-array samples and sorts them ascending. */
export function pooledSorted(samples) {
  const total = samples.reduce((n, s) => n + s.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const s of samples) {
    all.set(s, offset);
    offset += s.length;
  }
  return all.sort();
}
