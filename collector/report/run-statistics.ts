/**
 * What a reader asks of repeated runs before trusting a figure: how many,
 * where they centre, how much they spread, how well the mean is known, and
 * which runs stand apart. Pure arithmetic, tested against hand-worked cases.
 */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  sd: number;
  /** sd / |mean|; undefined where the mean is 0. */
  cv: number | undefined;
  /** Half-width of the 95 % confidence interval of the mean (Student's t); undefined for one run. */
  ci95: number | undefined;
  min: number;
  max: number;
  /** Indexes of the values outside Tukey's fences (1.5 IQR beyond the quartiles); only from four values on. */
  outliers: number[];
}

/** Student's t for a two-sided 95 % interval, by degrees of freedom 1-30; past that, nearer the normal's 1.96. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tCritical95(degreesOfFreedom: number): number {
  if (degreesOfFreedom <= 30) return T_975[degreesOfFreedom - 1]!;
  if (degreesOfFreedom <= 40) return 2.021;
  if (degreesOfFreedom <= 60) return 2.0;
  if (degreesOfFreedom <= 120) return 1.98;
  return 1.96;
}

export function summarize(values: readonly number[]): Summary | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  // Equal values give an sd of exactly 0, not the rounding noise of a ratio computed eleven times (5.8e-17).
  const sd = n > 1 && !isConstant(values) ? Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    n,
    mean,
    sd,
    cv: mean === 0 ? undefined : sd / Math.abs(mean),
    ci95: n > 1 ? (tCritical95(n - 1) * sd) / Math.sqrt(n) : undefined,
    min: Math.min(...values),
    max: Math.max(...values),
    outliers: tukeyOutliers(values),
  };
}

/** Quartiles by linear interpolation between order statistics (the common "type 7"). */
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.ceil(at);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

function tukeyOutliers(values: readonly number[]): number[] {
  if (values.length < 4) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const reach = 1.5 * (q3 - q1);
  return values.flatMap((value, index) => (value < q1 - reach || value > q3 + reach ? [index] : []));
}

/** Every value the same (to a part in a billion): a constant belongs in a table, not a chart. */
export function isConstant(values: readonly number[]): boolean {
  if (values.length < 2) return true;
  const first = values[0]!;
  const scale = Math.max(Math.abs(first), 1e-300);
  return values.every((value) => Math.abs(value - first) / scale < 1e-9);
}
