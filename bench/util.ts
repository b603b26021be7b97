// Small helpers shared by the bench scripts.

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Nanoseconds, human-readable. */
export function ns(value: number): string {
  if (value < 1_000) return `${value.toFixed(0)} ns`;
  if (value < 1_000_000) return `${(value / 1_000).toFixed(2)} µs`;
  return `${(value / 1_000_000).toFixed(2)} ms`;
}

/** Deterministic GUID-shaped tenant ids. */
export function tenantIds(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const h = i.toString(16).padStart(12, '0');
    out.push(`7e4a0000-0000-4000-8000-${h}`);
  }
  return out;
}

/** `--sizes 1,1000` and `--budget-ms N`. */
export function parseArgs(argv: readonly string[], defaultSizes: number[]): { sizes: number[]; budgetMs: number } {
  let sizes = defaultSizes;
  let budgetMs = 15_000;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') sizes = (argv[++i] ?? '').split(',').map(Number);
    else if (argv[i] === '--budget-ms') budgetMs = Number(argv[++i]);
  }
  return { sizes, budgetMs };
}
