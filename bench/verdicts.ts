/**
 * Measurement 8, verdict stability: the course's checks (the short version of every chapter, as
 * 04 and 07 run them, with the same verdict functions and until-decided repeats) run several times
 * in a row on this machine; per claim, how many runs gave its most common verdict. A lesson that
 * flips between runs is the worst bug the course can have.
 */
import { type Claim, type Verdict, CHAPTERS } from "conclab/course";
import type { BenchOptions, Goal, Section } from "./common";

export interface VerdictStabilityData {
  readonly runs: number;
  /** Seconds each run of all the chapters took. */
  readonly runSeconds: readonly number[];
  /** Per claim, in course order: its kind and its verdict in each run. */
  readonly claims: readonly { readonly id: string; readonly kind: Claim["kind"]; readonly verdicts: readonly Verdict[]; readonly agreed: number; readonly lastRule: string }[];
}

function tally(verdicts: readonly Verdict[]): string {
  const counts = new Map<Verdict, number>();
  for (const v of verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} ×${n}`).join(", ");
}

export async function runVerdictStability(options: BenchOptions): Promise<Section<VerdictStabilityData>> {
  const runs = options.quick ? 2 : 5;
  const byId = new Map<string, { kind: Claim["kind"]; verdicts: Verdict[]; lastRule: string }>();
  const runSeconds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = Date.now();
    for (const { id: section, shortRun: measure } of CHAPTERS) {
      if (!measure) continue;
      options.log(`verdicts: run ${run + 1} of ${runs}, ${section}`);
      for (const claim of (await measure()).claims) {
        const entry = byId.get(claim.id) ?? { kind: claim.kind, verdicts: [], lastRule: "" };
        entry.verdicts.push(claim.verdict);
        entry.lastRule = claim.rule;
        byId.set(claim.id, entry);
      }
    }
    runSeconds.push((Date.now() - started) / 1000);
  }
  const claims = [...byId.entries()].map(([id, e]) => {
    const most = Math.max(...[...new Set(e.verdicts)].map((v) => e.verdicts.filter((x) => x === v).length));
    return { id, kind: e.kind, verdicts: e.verdicts, agreed: e.verdicts.length === runs ? most : 0, lastRule: e.lastRule };
  });
  const steady = claims.filter((c) => c.agreed === runs);
  const flipped = claims.filter((c) => c.agreed < runs);
  const goal: Goal = {
    id: "verdicts.same-every-run",
    goal: `every claim gets the same verdict in ${runs} of ${runs} runs of the course's checks`,
    measured: `${steady.length} of ${claims.length} claims agreed in every run`,
    met: flipped.length === 0,
    note: flipped.length === 0 ? undefined : `flipped: ${flipped.map((c) => `${c.id} (${tally(c.verdicts)})`).join("; ")}`,
  };
  return {
    key: "verdicts",
    title: "8. Verdict stability",
    data: { runs, runSeconds, claims },
    goals: [goal],
    tables: [
      {
        title: `Verdict stability: the short version of every chapter, ${runs} runs in a row (${runSeconds.map((s) => `${s.toFixed(0)} s`).join(", ")})`,
        headers: ["claim", "kind", "verdicts", `agreed of ${runs}`],
        rows: claims.map((c) => [c.id, c.kind, tally(c.verdicts), String(c.agreed)]),
        notes: [`${steady.length} of ${claims.length} claims gave the same verdict every time.`, ...flipped.map((c) => `${c.id}, last rule: ${c.lastRule}`)],
      },
    ],
    figures: [],
  };
}
