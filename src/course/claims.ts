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
import { interval, type Stat } from "../measure/stats";

/**
 * What this machine's measurement says of the article's claim. `unclear`: the evidence did not
 * clear the claim's threshold either way, after every repeat its time budget allowed.
 */
export type Verdict = "holds" | "differs" | "unclear" | "not measured";

/**
 * `test`: the outcome depends on the machine, the OS or the interpreter, and this run could have
 * contradicted the claim. `demonstration`: the runtime's rules guarantee the outcome; the run shows
 * it happening, and only a broken measurement could come out otherwise.
 */
export type ClaimKind = "test" | "demonstration";

export interface Claim {
  /** Stable identifier, e.g. `gil.threads`. */
  readonly id: string;
  /** The notebook (section) that measured it, e.g. `02-the-gil`. */
  readonly section: string;
  /** The article's claim in our words. */
  readonly claim: string;
  /** What was measured here, with numbers. */
  readonly measured: string;
  readonly verdict: Verdict;
  /** Why the verdict follows from the numbers. */
  readonly reason: string;
  /** How the verdict is decided: the measure, its threshold, and this run's interval and repeats (or the condition checked). */
  readonly rule: string;
  readonly kind: ClaimKind;
  /**
   * Where the article's claim is true of CPython but Node is built differently, why: an
   * explanation, not a measurement (the verdict says what was measured). Null otherwise.
   */
  readonly nodeByDesign: string | null;
  /**
   * The fact this verdict rests on, where other claims rest on the same one (e.g. "Node's worker
   * threads keep several CPUs busy on CPU work"): verdictCounts() counts such a fact once. Absent
   * when the claim's evidence is its own.
   */
  readonly evidence?: string;
  /**
   * The numbers a predict-first question reads (see questions.ts): the measure the question asks
   * about (`median`, and `low`–`high`, its 95 % interval) and whatever else its choices need
   * (`cores`, `copies`, …). Absent on claims no question asks about.
   */
  readonly observed?: Observed;
}

/** What a claim measured, by name, for the question that asks about it. */
export type Observed = Readonly<Record<string, number>>;

/**
 * A measure and its 95 % interval as Observed numbers (`extra` added): one sample has no interval,
 * so it spans every value (kept finite: saved results are JSON).
 */
export function observedStat(stat: Stat, extra: Observed = {}): Observed {
  const { low, high, n } = interval(stat.samples);
  return n < 2 ? { median: stat.median, low: 0, high: Number.MAX_VALUE, ...extra } : { median: stat.median, low, high, ...extra };
}

/** The outcome of one check: clearly yes, clearly no, or undecided. */
export type Check = "yes" | "no" | "unclear";

/**
 * Is the typical value of `stat` at least `threshold`? "yes" only when its whole 95 % interval
 * (see interval()) lies at or above the threshold, "no" only when it lies below: noise makes a
 * check unclear on either side, and never decides it.
 */
export function atLeast(stat: Stat, threshold: number): Check {
  const { low, high } = interval(stat.samples);
  return low >= threshold ? "yes" : high < threshold ? "no" : "unclear";
}

/** Is the typical value of `stat` at most `threshold`? The mirror of atLeast. */
export function atMost(stat: Stat, threshold: number): Check {
  const { low, high } = interval(stat.samples);
  return high <= threshold ? "yes" : low > threshold ? "no" : "unclear";
}

/**
 * The rule of a threshold check in words, with this run's numbers: "holds if the 95 % interval of
 * cores busy (1.91–1.97, 5 repeats) lies at or above 1.50; …". `format` writes one value.
 */
export function thresholdRule(measure: string, stat: Stat, direction: "at least" | "at most", threshold: number, format: (value: number) => string): string {
  const { low, high, level, n } = interval(stat.samples);
  const bounds = n < 2 ? "one repeat: no interval" : `${format(low)}–${format(high)}`;
  const side = direction === "at least" ? ["at or above", "below"] : ["at or below", "above"];
  return `${measure}: ${Math.round(level * 100)} % interval ${bounds} from ${n} repeat${n === 1 ? "" : "s"}; yes if it lies ${side[0]} ${format(threshold)}, no if ${side[1]}, else unclear`;
}

/** The verdict of a claim whose check came out `check`. */
export function verdictOf(check: Check): Verdict {
  return check === "yes" ? "holds" : check === "no" ? "differs" : "unclear";
}

/** True when no claim among `claims` is unclear: compare()'s `until` uses it to stop repeating. */
export function decided(claims: Claim | readonly Claim[]): boolean {
  return (Array.isArray(claims) ? claims : [claims as Claim]).every((c) => c.verdict !== "unclear");
}

/** How a set of claims fared: tests by verdict (by-design differences apart), demonstrations apart. */
export interface VerdictCounts {
  /**
   * Pieces of evidence that could have contradicted a claim: each test whose evidence is its own,
   * and each fact that several tests share, once. The verdict counts below count these.
   */
  readonly tests: number;
  /** Test claims, before claims that share a fact are counted once. */
  readonly testClaims: number;
  readonly holds: number;
  /** Tests that differ where Node's design says they should (the claim carries an explanation). */
  readonly differsByDesign: number;
  /** Tests that differ with no such explanation. */
  readonly differs: number;
  readonly unclear: number;
  readonly notMeasured: number;
  /** Facts that decide more than one claim, with the claims that rest on each. */
  readonly shared: readonly { readonly evidence: string; readonly ids: readonly string[] }[];
  /** Demonstrations: shown (holds) and not. */
  readonly demonstrations: number;
  readonly demonstrationsShown: number;
  /** The counts in one sentence. */
  readonly sentence: string;
}

/**
 * The verdict of claims that rest on one fact: the verdict of the runs that decided it, where they
 * agree; unclear where one run held and another differed. A run that could not decide it
 * (unclear) or measure it (not measured) does not outvote one that did.
 */
function sharedVerdict(group: readonly Claim[]): Claim {
  const decided = group.filter((c) => c.verdict === "holds" || c.verdict === "differs");
  if (decided.length === 0) return group.find((c) => c.verdict === "unclear") ?? group[0]!;
  const first = decided[0]!;
  return decided.every((c) => c.verdict === first.verdict) ? first : { ...first, verdict: "unclear" };
}

/**
 * Counts `claims` so that only checks that could have failed are counted as tests, and a fact that
 * decides several claims (their `evidence`) counts once.
 */
export function verdictCounts(claims: readonly Claim[]): VerdictCounts {
  const testClaims = claims.filter((c) => c.kind === "test");
  const demos = claims.filter((c) => c.kind === "demonstration");
  const groups = new Map<string, Claim[]>();
  for (const c of testClaims) {
    const key = c.evidence ? `evidence:${c.evidence}` : `claim:${c.id}:${groups.size}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const tests = [...groups.values()].map(sharedVerdict);
  const shared = [...groups.entries()].filter(([key, group]) => key.startsWith("evidence:") && group.length > 1).map(([, group]) => ({ evidence: group[0]!.evidence!, ids: group.map((c) => c.id) }));
  const count = (pick: (c: Claim) => boolean): number => tests.filter(pick).length;
  const holds = count((c) => c.verdict === "holds");
  const differsByDesign = count((c) => c.verdict === "differs" && c.nodeByDesign !== null);
  const differs = count((c) => c.verdict === "differs" && c.nodeByDesign === null);
  const unclear = count((c) => c.verdict === "unclear");
  const notMeasured = count((c) => c.verdict === "not measured");
  const demonstrationsShown = demos.filter((c) => c.verdict === "holds").length;
  const sharing = shared.map((s) => `${s.ids.length} claims (${s.ids.join(", ")}) rest on one fact, "${s.evidence}", counted once`);
  const sentence =
    `Counting a fact that decides several claims once, this machine could have contradicted ${tests.length} claims: ${holds} held, ${differsByDesign} differed where Node is built differently, ` +
    `${differs} differed otherwise, ${unclear} stayed unclear and ${notMeasured} could not be measured here` +
    `${sharing.length > 0 ? ` (${sharing.join("; ")})` : ""}; ` +
    `${demos.length} more claims are demonstrations (${demonstrationsShown} shown), which no run could contradict.`;
  return { tests: tests.length, testClaims: testClaims.length, holds, differsByDesign, differs, unclear, notMeasured, shared, demonstrations: demos.length, demonstrationsShown, sentence };
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
  /** A hash of the verdict rules (claims, judging and the chapters' code): equal only for the same version of the course. */
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
  return { machine, course: verdictRulesHash() };
}

/**
 * A hash of the code that decides verdicts, as compiled in `dir`: claims.js, judging.js and every
 * chapter module (chapters/*.js, the registry's chapters and any added since). Any change to a rule
 * changes it, so results saved by an older course are measured again.
 */
export function verdictRulesHash(dir: string = __dirname): string {
  const rules = createHash("sha256");
  let chapters: string[] = [];
  try {
    chapters = readdirSync(path.join(dir, "chapters")).filter((file) => file.endsWith(".js")).sort().map((file) => path.join("chapters", file));
  } catch {
    // run from sources (tests): no compiled chapters beside this file
  }
  for (const file of ["claims.js", "judging.js", ...chapters]) {
    try {
      rules.update(file).update(readFileSync(path.join(dir, file)));
    } catch {
      rules.update(file); // run from sources (tests): the file name stands in
    }
  }
  return rules.digest("hex").slice(0, 16);
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
  let files: string[];
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
