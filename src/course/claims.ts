/**
 * The article's claims as data: what it says, what this machine measured, and a verdict computed
 * from the measurement with thresholds that widen with the noise seen. Notebooks save them in
 * results/, and the summary notebook gathers them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { typeError } from "../errors";
import type { Stat } from "../measure/stats";

/**
 * `unclear` means the run was too noisy to decide: the measurement fell between the threshold
 * and the threshold widened by the noise seen.
 */
export type Verdict = "holds" | "differs" | "differs in Node by design" | "unclear (noisy run)" | "not measured";

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

/** The outcome of one check: clearly yes, clearly no, or inside the noise margin. */
export type Check = "yes" | "no" | "unclear";

/**
 * Is the median of `stat` at least `threshold`? "yes" at or above it, "no" below it by more than
 * the noise margin, "unclear" in between. A noisy run can only make a check unclear, never pass it.
 */
export function atLeast(stat: Stat, threshold: number, noise = tolerance(stat)): Check {
  if (stat.median >= threshold) return "yes";
  return stat.median < threshold * (1 - noise) ? "no" : "unclear";
}

/** Is the median of `stat` at most `threshold`? The mirror of atLeast. */
export function atMost(stat: Stat, threshold: number, noise = tolerance(stat)): Check {
  if (stat.median <= threshold) return "yes";
  return stat.median > threshold * (1 + noise) ? "no" : "unclear";
}

/** The verdict of a claim whose check came out `check`. */
export function verdictOf(check: Check): Verdict {
  return check === "yes" ? "holds" : check === "no" ? "differs" : "unclear (noisy run)";
}

/** Where results go: $CONCLAB_RESULTS_DIR, else `results/` beside the notebooks folder. */
export function resultsDir(): string {
  if (process.env.CONCLAB_RESULTS_DIR) return path.resolve(process.env.CONCLAB_RESULTS_DIR);
  const cwd = process.cwd();
  return path.basename(cwd) === "notebooks" ? path.resolve(cwd, "..", "results") : path.resolve(cwd, "results");
}

/** What a notebook saves: its claims, and the numbers other notebooks may reuse. */
export interface SectionResults {
  readonly section: string;
  readonly savedAt: string;
  readonly claims: readonly Claim[];
  readonly data: Readonly<Record<string, unknown>>;
}

/** Saves a section's claims (and numbers) as `results/<section>.json` and returns the file's path. */
export function saveResults(section: string, claims: readonly Claim[], data: Readonly<Record<string, unknown>> = {}, dir = resultsDir()): string {
  if (typeof section !== "string" || !/^[\w.-]+$/.test(section)) {
    throw typeError("section", "a notebook name such as 02-the-gil", section, "use letters, digits, dots and dashes");
  }
  if (!Array.isArray(claims)) throw typeError("claims", "an array of claims", claims, "pass the claims this notebook measured");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${section}.json`);
  const saved: SectionResults = { section, savedAt: new Date().toISOString(), claims, data };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** Every section saved so far, by section name, in name order. Unreadable files are skipped. */
export function loadResults(dir = resultsDir()): Map<string, SectionResults> {
  const found = new Map<string, SectionResults>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return found;
  }
  for (const file of files) {
    try {
      const saved = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Partial<SectionResults>;
      if (typeof saved.section === "string" && Array.isArray(saved.claims)) {
        found.set(saved.section, { section: saved.section, savedAt: String(saved.savedAt), claims: saved.claims, data: saved.data ?? {} });
      }
    } catch {
      // a half-written or foreign file: the summary measures that section again instead
    }
  }
  return found;
}
