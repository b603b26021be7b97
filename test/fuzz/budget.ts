// How many inputs each fuzz target generates, and the tally that scripts/run-tests.mjs prints after a fuzz run.
// Three budgets: the test command (seconds for the whole folder), `npm run fuzz`, and `npm run fuzz -- --long`
// (FUZZ_LONG=1; at least 1,000,000 inputs in total). FUZZ_RUNS, when set, replaces all three.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import fc from 'fast-check';

/** Which budget this run uses. */
export type FuzzMode = 'ci' | 'fuzz' | 'long';

export const MODE: FuzzMode = process.env.FUZZ_LONG === '1' ? 'long' : process.env.npm_lifecycle_event === 'fuzz' ? 'fuzz' : 'ci';

/** Inputs per mode for one target. Expensive targets (sockets, files, RSA signing) get fewer. */
export interface Budget {
  readonly ci: number;
  readonly fuzz: number;
  readonly long: number;
}

/** The number of inputs for a target in this run. */
export function runs(budget: Budget): number {
  const forced = Number(process.env.FUZZ_RUNS ?? Number.NaN);
  return Number.isSafeInteger(forced) && forced > 0 ? forced : budget[MODE];
}

/** The test file being run (node --test runs each file in its own process). */
const FILE = relative(process.cwd(), process.argv[1] ?? 'unknown');

/**
 * Runs a property for `budget` inputs, records how many it ran (for the summary of `npm run fuzz`), and fails with
 * fast-check's report (seed, path, shrunk counterexample) when one input breaks it.
 */
export async function fuzz<Ts>(target: string, property: fc.IRawProperty<Ts>, budget: Budget): Promise<void> {
  const details = await fc.check(property, { numRuns: runs(budget) });
  const report = process.env.FUZZ_REPORT;
  if (report !== undefined && report !== '') {
    const line = { file: FILE, target, inputs: details.numRuns + details.numSkips, failed: details.failed };
    appendFileSync(report, `${JSON.stringify(line)}\n`);
  }
  if (details.failed) {
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? `${target} failed`}\n${why}`, { cause: details.errorInstance });
  }
}

/** Runs `fn`; passes when it returns or throws one of `allowed`. Returns the error it threw, if any. */
export async function only(allowed: ReadonlyArray<abstract new (...args: never[]) => Error>, fn: () => unknown): Promise<Error | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (allowed.some((C) => err instanceof C)) return err as Error;
    throw new Error(`unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}
