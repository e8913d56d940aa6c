/** Saved results are reused only on the machine and with the course version that measured them. */
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { currentProvenance, loadResults, resultsSource, type Claim } from "conclab/course";
import { verdictRulesHash, writeResults as saveResults } from "conclab/internal";

const dir = mkdtempSync(path.join(tmpdir(), "conclab-results-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const claim: Claim = { id: "t.one", section: "02-the-gil", claim: "c", measured: "m", verdict: "holds", reason: "r", rule: "holds if m", kind: "test", nodeByDesign: null };

/** Saves a section, then rewrites its file with `change` applied, as if another machine or version had written it. */
function savedElsewhere(section: string, change: (saved: Record<string, unknown>) => void): void {
  const file = saveResults(section, [{ ...claim, section }], {}, dir);
  const saved = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  change(saved);
  writeFileSync(file, JSON.stringify(saved));
}

describe("results provenance", () => {
  it("records this machine and this course version, and reuses what they saved", () => {
    saveResults("02-the-gil", [claim], { n: 1 }, dir);
    const loaded = loadResults(dir).get("02-the-gil");
    assert.deepEqual(loaded?.provenance, currentProvenance());
    assert.deepEqual(loaded?.claims, [claim]);
    assert.match(resultsSource(loaded), /^saved \d{4}-\d\d-\d\d \d\d:\d\d UTC on this machine \(.*Node v\d+/);
    assert.equal(resultsSource(undefined), "short run just now");
  });

  it("skips results from another machine, another course version, or with no record of either", () => {
    savedElsewhere("03-approaches", (s) => ((s.provenance as { machine: string }).machine = "another host; 64 CPUs usable"));
    savedElsewhere("05-cpu-bound-examples", (s) => ((s.provenance as { course: string }).course = "0000000000000000"));
    savedElsewhere("07-choosing", (s) => delete s.provenance);
    const here = loadResults(dir);
    assert.deepEqual([...here.keys()], ["02-the-gil"]);
    const everywhere = loadResults(dir, { anywhere: true });
    assert.deepEqual([...everywhere.keys()], ["02-the-gil", "03-approaches", "05-cpu-bound-examples", "07-choosing"]);
    assert.equal(everywhere.get("03-approaches")?.provenance?.machine, "another host; 64 CPUs usable");
    assert.match(resultsSource(everywhere.get("03-approaches")), / UTC on another machine \(another host; 64 CPUs usable\)$/);
    assert.match(resultsSource(everywhere.get("07-choosing")), / UTC on a machine not recorded \(no record\)$/);
  });

  it("calls a course another version when any verdict rule changes: claims, judging, or a chapter's module, a new one too", () => {
    const compiled = path.dirname(require.resolve("conclab/course"));
    assert.equal(verdictRulesHash(compiled), currentProvenance().course, "the saved hash is the compiled course's");
    const copy = path.join(dir, "course-copy");
    cpSync(compiled, copy, { recursive: true });
    const original = verdictRulesHash(copy);
    assert.equal(original, currentProvenance().course, "a copy of the same code hashes the same");
    const seen = new Set([original]);
    for (const file of ["claims.js", "judging.js", path.join("chapters", "05-cpu-bound-examples.js")]) {
      appendFileSync(path.join(copy, file), "\n// a changed rule\n");
      const changed = verdictRulesHash(copy);
      assert.ok(!seen.has(changed), `a change to ${file} changes the hash`);
      seen.add(changed);
    }
    writeFileSync(path.join(copy, "chapters", "08a-stand-in.js"), "exports.chapter = {};\n");
    assert.ok(!seen.has(verdictRulesHash(copy)), "a new chapter module changes the hash");
  });
});
