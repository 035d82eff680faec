/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "min / median / max", each with this many decimals: how a figure varied over interleaved rounds. */
export function spread(values: readonly number[], decimals = 1): string {
  return `${Math.min(...values).toFixed(decimals)} / ${median(values).toFixed(decimals)} / ${Math.max(...values).toFixed(decimals)}`;
}
