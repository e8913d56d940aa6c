/**
 * The article's claims as data: what it says, what this machine measured, and a verdict computed
 * from the measurement with thresholds that widen with the noise seen. Notebooks save them in
 * results/, and the summary notebook gathers them.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { describeMachine } from "../environment";
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

/** Where and with what a section was measured, so results are reused only where they still apply. */
export interface Provenance {
  /** Host name, CPU model, effective CPUs and the limit that binds, memory, Node: equal only on the same machine as set up now. */
  readonly machine: string;
  /** A hash of the verdict rules (claims and verdicts code): equal only for the same version of the course. */
  readonly course: string;
}

/** What a notebook saves: its claims, and the numbers other notebooks may reuse. */
export interface SectionResults {
  readonly section: string;
  readonly savedAt: string;
  readonly claims: readonly Claim[];
  readonly data: Readonly<Record<string, unknown>>;
  /** Absent in files written before provenance was recorded: such files are never reused. */
  readonly provenance?: Provenance;
}

/** This machine and this course, as saveResults records them. */
export function currentProvenance(): Provenance {
  const m = describeMachine();
  const machine = [
    hostname(),
    m.cpuModel,
    `${m.cores} CPUs usable (limited by ${m.cpuLimit.limitedBy}; ${m.cpuLimit.cores} cores)`,
    `${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB${m.memoryLimitBytes === null ? "" : `, limit ${(m.memoryLimitBytes / 2 ** 30).toFixed(1)} GiB`}`,
    `Node ${m.node}`,
  ].join("; ");
  const rules = createHash("sha256");
  for (const file of ["claims.js", "verdicts.js"]) {
    try {
      rules.update(readFileSync(path.join(__dirname, file)));
    } catch {
      rules.update(file); // run from sources (tests): the file name stands in
    }
  }
  return { machine, course: rules.digest("hex").slice(0, 16) };
}

/** Saves a section's claims (and numbers) as `results/<section>.json` and returns the file's path. */
export function saveResults(section: string, claims: readonly Claim[], data: Readonly<Record<string, unknown>> = {}, dir = resultsDir()): string {
  if (typeof section !== "string" || !/^[\w.-]+$/.test(section)) {
    throw typeError("section", "a notebook name such as 02-the-gil", section, "use letters, digits, dots and dashes");
  }
  if (!Array.isArray(claims)) throw typeError("claims", "an array of claims", claims, "pass the claims this notebook measured");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${section}.json`);
  const saved: SectionResults = { section, savedAt: new Date().toISOString(), claims, data, provenance: currentProvenance() };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** Where a section's numbers come from, for the reader: saved here and when, or measured just now. */
export function resultsSource(saved: SectionResults | undefined): string {
  if (!saved) return "short run just now";
  const when = saved.savedAt.slice(0, 16).replace("T", " ");
  const from = saved.provenance;
  const where = !from ? "on a machine not recorded" : from.machine === currentProvenance().machine ? "on this machine" : "on another machine";
  return `saved ${when} UTC ${where} (${from?.machine ?? "no record"})`;
}

/**
 * Every section saved so far on this machine by this version of the course, by section name, in
 * name order. Unreadable files, and files from another machine or course version (or without a
 * record of either), are skipped: the notebooks measure those sections again. `anywhere: true`
 * returns them all, each with its provenance, for a reader who wants to look at them.
 */
export function loadResults(dir = resultsDir(), options: { anywhere?: boolean } = {}): Map<string, SectionResults> {
  const here = options.anywhere ? null : currentProvenance();
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
      if (typeof saved.section !== "string" || !Array.isArray(saved.claims)) continue;
      const from = saved.provenance;
      if (here && (from?.machine !== here.machine || from?.course !== here.course)) continue;
      found.set(saved.section, { section: saved.section, savedAt: String(saved.savedAt), claims: saved.claims, data: saved.data ?? {}, ...(from ? { provenance: from } : {}) });
    } catch {
      // a half-written or foreign file: the summary measures that section again instead
    }
  }
  return found;
}
