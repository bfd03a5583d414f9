/** min / median / max of a set of samples (the median of an even count is the mean of the middle two). */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** Summarises samples; throws on an empty set, which would otherwise print as a figure nobody measured. */
export function summarize(samples: readonly number[]): Summary {
  const finite = samples.filter((s) => Number.isFinite(s));
  if (finite.length === 0) throw new RangeError(`summarize needs at least one finite sample, got ${JSON.stringify(samples)}.`);
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { n: sorted.length, min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}

/**
 * The p-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest
 * sample with at least p % of the samples at or below it, so p99 of 200,000
 * latencies is an observed value, never an interpolation.
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile needs 0 < p ≤ 100, got ${p}.`);
  if (samples.length === 0) throw new RangeError('percentile needs at least one sample.');
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

/** Ratios of paired samples `a[i] / b[i]` (A B measured side by side, so machine load cancels out pair by pair). */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`pairRatios needs as many A as B samples, got ${a.length} and ${b.length}.`);
  return a.map((x, i) => x / (b[i] as number));
}
