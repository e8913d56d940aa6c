/** Every recording in reference/ has the shape readers' chapters will read, under its machine's name. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readReference, referenceFileName, REFERENCE_SCHEMA } from "conclab/internal";
import { PROJECT_ROOT } from "../../tools/paths";

const DIR = path.join(PROJECT_ROOT, "reference");
const files = readdirSync(DIR).filter((name) => name.endsWith(".json"));

describe("reference recordings", () => {
  it("reference/ holds at least one recording, and nothing but recordings", () => {
    assert.ok(files.length >= 1, "record this machine: npm run record-reference");
    assert.deepEqual(readdirSync(DIR).filter((name) => !name.endsWith(".json")), []);
  });

  for (const name of files) {
    it(`${name}: the recording's shape, its machine's name, every chapter and a curve in Node`, () => {
      const file = path.join(DIR, name);
      const recording = readReference(JSON.parse(readFileSync(file, "utf8")) as unknown, file);
      assert.equal(recording.schema, REFERENCE_SCHEMA);
      assert.equal(name, referenceFileName(recording.machine));
      for (const section of ["01-core-concepts", "02-the-gil", "05-cpu-bound-examples", "07-choosing"]) assert.ok(recording.sections[section], `${section} recorded`);
      for (const claims of Object.values(recording.sections)) for (const claim of claims.claims) assert.ok(claim.section in recording.sections, `${claim.id} belongs to a recorded section`);
      const copies = [...new Set(recording.curve.map((p) => p.copies))];
      assert.equal(Math.max(...copies), recording.machine.cores, "the curve reaches the machine's CPUs");
      assert.ok(recording.curve.some((p) => p.runtime === "node" && p.strategy === "threads"));
      assert.equal(recording.curve.some((p) => p.runtime === "python"), recording.python !== null, "CPython's points exactly when a CPython was found");
    });
  }

  it("a recording with a field missing or wrong is refused, naming the field and the fix", () => {
    const recording = JSON.parse(readFileSync(path.join(DIR, files[0]!), "utf8")) as { curve: { speedup: { samples?: unknown } }[]; schema: number; machine: { cores: unknown } };
    const broken = structuredClone(recording);
    delete broken.curve[0]!.speedup.samples;
    assert.throws(() => readReference(broken, "x.json"), { name: "TypeError", message: /^x\.json: curve\[0\]\.speedup\.samples must be an array, got undefined; record it again with npm run record-reference$/ });
    assert.throws(() => readReference({ ...recording, schema: 2 }, "x.json"), /^TypeError: x\.json: schema must be 1, got 2/);
    assert.throws(() => readReference({ ...recording, machine: { ...recording.machine, cores: 0 } }, "x.json"), /machine\.cores must be a finite number ≥ 1, got 0/);
  });
});
