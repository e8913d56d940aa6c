/**
 * What 09 (the summary) does with the chapters' verdicts: gather them (saved results of this
 * machine and course version, or each chapter's short version run now), count them in a figure,
 * and say per theme how they fared.
 */
import type { Figure } from "../figures/figure";
import { loadResults, resultsSource, type Claim, type Verdict, type VerdictCounts } from "./claims";
import { SECTIONS } from "./quick";

/** One chapter's verdicts and where they come from. */
export interface GatheredSection {
  readonly section: string;
  /** "measured …" from the saved results, or "short run now". */
  readonly source: string;
  readonly claims: readonly Claim[];
}

/**
 * Every chapter's verdicts, in reading order: the saved results where this machine and this
 * version of the course saved them, else the chapter's short version, run now (`onShortRun` is
 * told before each such run).
 */
export async function gatherSections(options: { onShortRun?: (section: string) => void; resultsDir?: string } = {}): Promise<GatheredSection[]> {
  const saved = loadResults(options.resultsDir);
  const onShortRun = options.onShortRun ?? ((section: string) => console.log(`${section}: no saved results, running its short version…`));
  const gathered: GatheredSection[] = [];
  for (const [section, shortRun] of Object.entries(SECTIONS)) {
    const found = saved.get(section);
    if (found) {
      gathered.push({ section, source: resultsSource(found), claims: [...found.claims] });
    } else {
      onShortRun(section);
      gathered.push({ section, source: "short run now", claims: (await shortRun()).claims });
    }
  }
  return gathered;
}

/** The verdict counts as a bar chart, one bar per kind of outcome. */
export function verdictCountsFigure(counts: VerdictCounts): Figure {
  const bars = [
    { label: "holds", count: counts.holds, color: "#2e7d32" },
    { label: "differs: Node by design", count: counts.differsByDesign, color: "#4c78a8" },
    { label: "differs", count: counts.differs, color: "#c0392b" },
    { label: "unclear", count: counts.unclear, color: "#999999" },
    { label: "not measured", count: counts.notMeasured, color: "#cccccc" },
  ];
  return {
    data: [
      {
        type: "bar",
        x: bars.map((b) => b.label),
        y: bars.map((b) => b.count),
        text: bars.map((b) => String(b.count)),
        textposition: "outside",
        marker: { color: bars.map((b) => b.color) },
      },
    ],
    layout: {
      title: { text: `${counts.tests} claims this machine could have contradicted: how they fared` },
      xaxis: { title: { text: "verdict" } },
      yaxis: { title: { text: "number of claims" }, rangemode: "tozero", dtick: 1 },
      height: 360,
    },
  };
}

/** A group of the article's claims that the course expects to fare alike, and the verdict it expects. */
export interface Theme {
  readonly theme: string;
  readonly expect: Verdict;
  readonly ids: readonly string[];
}

/** The summary's themes: what the course expects of each group, before this machine's data is in. */
export const THEMES: readonly Theme[] = [
  { theme: "The definitions", expect: "holds", ids: ["concepts.concurrency", "concepts.parallelism", "concepts.responsiveness"] },
  { theme: "The claims about CPython, measured in CPython", expect: "holds", ids: ["gil.threads", "gil.processes", "gil.c-code", "examples.cpu-python-threads", "examples.cpu-python-processes", "examples.io-python-threads", "decision.moderate-waiting", "decision.shared-python"] },
  { theme: "Node's different machine (no GIL, no shared objects)", expect: "differs", ids: ["gil.node-threads", "examples.cpu-node-threads", "proscons.threads-best-for", "decision.cpu", "approaches.memory"] },
  { theme: "The costs", expect: "holds", ids: ["approaches.startup", "proscons.switch-cost", "examples.async-many", "decision.massive-waiting"] },
];

/** One sentence per theme: whether its claims came out as expected on this machine, and which did not, with why. */
export function themeSentences(claims: readonly Claim[], themes: readonly Theme[] = THEMES): string[] {
  return themes.map(({ theme, expect, ids }) => {
    const found = claims.filter((c) => ids.includes(c.id));
    const otherwise = found.filter((c) => c.verdict !== expect);
    return otherwise.length === 0
      ? `${theme}: as expected, all ${found.length} claims "${expect}"`
      : `${theme}: ${found.length - otherwise.length} of ${found.length} "${expect}"; otherwise here: ${otherwise.map((c) => `${c.id} "${c.verdict}" (${c.reason})`).join("; ")}`;
  });
}
