/**
 * The article's claims as data: what it says, what this machine measured, and a verdict computed
 * from the measurement with thresholds that widen with the noise seen. Notebooks save them in
 * results/, and the summary notebook gathers them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { typeError } from "../errors";
import type { Stat } from "../measure/stats";

export type Verdict = "holds" | "differs" | "differs in Node by design" | "not measured";

export interface Claim {
  /** Stable identifier, e.g. `gil.threads-no-cpu-speedup`. */
  readonly id: string;
  /** The notebook (section) that measured it, e.g. `02-the-gil`. */
  readonly section: string;
  /** The article's claim in our words. */
  readonly claim: string;
  /** What was measured here, with numbers. */
  readonly measured: string;
  readonly verdict: Verdict;
  /** Why the verdict follows from the numbers (or why Node differs by design). */
  readonly reason: string;
}

/** How much a ratio may stray from a threshold before it counts: at least 10 %, more on a noisy run. */
export function tolerance(...stats: readonly (Stat | null | undefined)[]): number {
  const spread = Math.max(0, ...stats.map((s) => (s ? s.relativeSpread : 0)));
  return Math.max(0.1, Math.min(0.5, spread));
}

/** Whether the median of `stat` is at least `threshold`, allowing for the noise of the run. */
export function atLeast(stat: Stat, threshold: number, noise = tolerance(stat)): boolean {
  return stat.median >= threshold * (1 - noise);
}

/** Whether the median of `stat` is at most `threshold`, allowing for the noise of the run. */
export function atMost(stat: Stat, threshold: number, noise = tolerance(stat)): boolean {
  return stat.median <= threshold * (1 + noise);
}

/** Where results go: $CONCLAB_RESULTS_DIR, else `results/` beside the notebooks folder. */
export function resultsDir(): string {
  if (process.env.CONCLAB_RESULTS_DIR) return path.resolve(process.env.CONCLAB_RESULTS_DIR);
  const cwd = process.cwd();
  return path.basename(cwd) === "notebooks" ? path.resolve(cwd, "..", "results") : path.resolve(cwd, "results");
}

/** Saves a section's claims as `results/<section>.json` and returns the file's path. */
export function saveClaims(section: string, claims: readonly Claim[], dir = resultsDir()): string {
  if (typeof section !== "string" || !/^[\w.-]+$/.test(section)) {
    throw typeError("section", "a notebook name such as 02-the-gil", section, "use letters, digits, dots and dashes");
  }
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${section}.json`);
  writeFileSync(file, `${JSON.stringify({ section, savedAt: new Date().toISOString(), claims }, null, 2)}\n`);
  return file;
}

/** Every section's saved claims, by section name, in name order. */
export function loadClaims(dir = resultsDir()): Map<string, Claim[]> {
  const found = new Map<string, Claim[]>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return found;
  }
  for (const file of files) {
    try {
      const saved = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { section?: string; claims?: Claim[] };
      if (saved.section && Array.isArray(saved.claims)) found.set(saved.section, saved.claims);
    } catch {
      // a half-written or foreign file: the summary reruns that section instead
    }
  }
  return found;
}
