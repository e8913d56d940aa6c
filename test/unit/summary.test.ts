/** 15's summary: the chapters' saved verdicts gathered in reading order, counted in a figure, and judged per theme. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { gatherSections, saveResults, verdictCounts, type Claim, CHAPTERS, summary } from "conclab/course";

const dir = mkdtempSync(path.join(tmpdir(), "conclab-summary-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const claim = (id: string, verdict: Claim["verdict"], extra: Partial<Claim> = {}): Claim => ({
  id, section: "01-core-concepts", claim: "c", measured: "m", verdict, reason: `why ${id}`, rule: "r", kind: "test", nodeByDesign: null, ...extra,
});

describe("the summary", () => {
  it("gathers every chapter's saved verdicts in reading order, running no short version when all are saved", async () => {
    const judged = CHAPTERS.filter((c) => c.shortRun);
    const sections = judged.map((c) => c.id);
    judged.forEach((c) => saveResults(c.id, [claim(c.claims[0]!, "holds", { section: c.id })], {}, dir));
    const shortRuns: string[] = [];
    const gathered = await gatherSections({ resultsDir: dir, onShortRun: (section) => shortRuns.push(section) });
    assert.deepEqual(shortRuns, []);
    assert.deepEqual(gathered.map((g) => g.section), sections);
    assert.deepEqual(gathered.map((g) => g.claims.map((c) => c.id)), judged.map((c) => [c.claims[0]]));
    for (const g of gathered) assert.match(g.source, /^saved .* on this machine/);
  });

  it("saves a chapter's results only under a registered chapter, and only the claims that chapter decides", () => {
    const own = claim("gil.threads", "holds", { section: "02-the-gil" });
    assert.match(saveResults("02-the-gil", [own], {}, dir), /02-the-gil\.json$/);
    assert.throws(() => saveResults("02-the-gill", [own], {}, dir), { name: "RangeError", message: /^chapterId must be one of 01-core-concepts, .*got "02-the-gill"/ });
    assert.throws(() => saveResults("16-summary", [], {}, dir), { name: "RangeError", message: /^chapterId must be one of .*got "16-summary"/ });
    assert.throws(() => saveResults("05-cpu-bound-examples", [own], {}, dir), { name: "RangeError", message: /^claims must be claims of 05-cpu-bound-examples \(examples\.cpu-python-threads, .*got "gil\.threads"/ });
  });

  it("counts verdicts in one bar per outcome, titled with the number of tests", () => {
    const counts = verdictCounts([claim("a", "holds"), claim("b", "holds"), claim("c", "differs", { nodeByDesign: "by design" }), claim("d", "unclear")]);
    const figure = summary.verdictCountsFigure(counts);
    const bars = figure.data[0]!;
    assert.deepEqual(bars.x, ["holds", "differs: Node by design", "differs", "unclear", "not measured"]);
    assert.deepEqual(bars.y, [2, 1, 0, 1, 0]);
    assert.match(String((figure.layout.title as { text: string }).text), /^4 claims this machine could have contradicted/);
  });

  it("says per theme whether its claims came out as the course expects, naming those that did not and why", () => {
    const themes = [
      { theme: "Alpha", expect: "holds" as const, ids: ["a", "b"] },
      { theme: "Beta", expect: "differs" as const, ids: ["c"] },
    ];
    assert.deepEqual(summary.themeSentences([claim("a", "holds"), claim("b", "unclear"), claim("c", "differs")], themes), [
      'Alpha: 1 of 2 "holds"; otherwise here: b "unclear" (why b)',
      'Beta: as expected, all 1 claims "differs"',
    ]);
  });

  it("names in its themes only claims that some chapter decides, each in one theme", () => {
    const decided = new Set(CHAPTERS.flatMap((c) => c.claims));
    const themed = summary.THEMES.flatMap((t) => t.ids);
    assert.deepEqual(themed.filter((id) => !decided.has(id)), [], "a theme names a claim no chapter declares");
    assert.deepEqual(themed.filter((id, i) => themed.indexOf(id) !== i), [], "a claim in two themes");
  });
});
