/**
 * Chapter 16, the summary: the verdict counts as a figure, and per theme whether its claims fared
 * as the course expects. Gathering every chapter's verdicts is gatherSections (results.ts), which
 * reads the registry that lists this module.
 */
import type { Figure } from "../../figures/figure";
import type { Chapter } from "../chapter";
import { type Claim, type Verdict, type VerdictCounts } from "../claims";

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
  {
    theme: "The claims about CPython, measured in CPython",
    expect: "holds",
    ids: ["gil.threads", "gil.processes", "gil.c-code", "examples.cpu-python-threads", "examples.cpu-python-processes", "examples.io-python-threads", "decision.moderate-waiting", "decision.shared-python", "granularity.python-pickle", "pool.python-executor", "loop.asyncio-starves", "bounded.python-taskgroup", "bounded.python-timeout", "cpython.convoy"],
  },
  { theme: "Node's different machine (no GIL, no shared objects)", expect: "differs", ids: ["gil.node-threads", "examples.cpu-node-threads", "proscons.threads-best-for", "decision.cpu", "approaches.memory"] },
  { theme: "The costs", expect: "holds", ids: ["approaches.startup", "proscons.switch-cost", "examples.async-many", "decision.massive-waiting", "granularity.tiny-tasks", "loop.immediate-cost", "bounded.time", "bounded.memory", "cpython.fork-start"] },
  { theme: "Scaling and its limits (Amdahl, messages, usable cores)", expect: "holds", ids: ["granularity.large-tasks", "granularity.amdahl", "granularity.copy-vs-transfer", "granularity.available-parallelism"] },
  { theme: "Node's hidden threads and the event loop's rules", expect: "holds", ids: ["pool.rounds", "pool.fs-waits", "pool.dns-lookup", "pool.dns-resolve", "loop.await-starves", "loop.nexttick-starves", "loop.immediate-lateness"] },
  { theme: "Keeping work in bounds (limits, backpressure, cancellation)", expect: "holds", ids: ["bounded.connections", "bounded.backpressure", "bounded.cancel", "bounded.main-thread", "bounded.all-settled"] },
  { theme: "Beyond one machine: a job queue (its cost, its scaling, at-least-once delivery)", expect: "holds", ids: ["queue.round-trip", "queue.scales", "queue.small-jobs", "queue.redelivery", "queue.lost-lock", "queue.restart"] },
  { theme: "Free-threaded CPython, where one ran", expect: "holds", ids: ["cpython.free-threads", "cpython.free-counter"] },
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

export const chapter: Chapter = {
  id: "16-summary",
  title: "16 · Summary: every claim, every verdict",
  question: "Which of the article's claims hold here, and which differ in Node by design?",
  about: "every claim with its verdict; runs a short version of any chapter not run yet",
  claims: [],
  questions: [],
};
