/** Every recording in reference/ has the shape readers' chapters will read, under its machine's name. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { summarize } from "conclab";
import { loadReferences, referenceView, type ReferenceRecording } from "conclab/course";
import { readReference, referenceFileName, REFERENCE_SCHEMA } from "conclab/internal";
import { handMadeResult, steady } from "../helpers/results";
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

describe("a recording beside this machine's run", () => {
  const recordings = loadReferences(DIR);
  const largest = [...recordings].sort((a, b) => b.machine.cores - a.machine.cores)[0]!;
  const withCores = (recording: ReferenceRecording, cores: number): ReferenceRecording => ({ ...recording, machine: { ...recording.machine, cores } });
  const here = (cores: number) =>
    handMadeResult(cores, 2, {
      "python:sequential": { wall: steady(500), speedup: steady(1) },
      "python:threads": { wall: steady(500), speedup: steady(1), coresBusy: steady(1.01) },
      "python:processes": { wall: steady(260), speedup: steady(1.92), coresBusy: steady(1.9) },
    });

  it("loadReferences reads every file of reference/ (the repository's default folder)", () => {
    assert.equal(recordings.length, files.length);
    assert.deepEqual(loadReferences().map((r) => r.recordedAt).sort(), recordings.map((r) => r.recordedAt).sort());
    assert.deepEqual(loadReferences(path.join(DIR, "no-such-folder")), []);
  });

  it("on fewer CPUs: the largest recording's CPUs busy per strategy, this machine's points, and a sentence from both", () => {
    const view = referenceView("python", here(2), { references: [withCores(largest, 16), withCores(largest, 8)] });
    assert.equal(view.recording?.machine.cores, 16);
    const names = view.figure!.data.map((t) => String((t as { name?: unknown }).name));
    assert.deepEqual(names, [
      "CPython threads, recorded on 16 CPUs", "CPython threads, this machine (2 CPUs)",
      "CPython processes, recorded on 16 CPUs", "CPython processes, this machine (2 CPUs)",
      "every copy on a CPU of its own, up to 16",
    ]);
    const ideal = view.figure!.data.at(-1) as unknown as { x: number[]; y: number[] };
    assert.deepEqual(ideal.y, ideal.x, "the ideal line has a point at every recorded count of copies, y = x");
    assert.deepEqual(ideal.x, [...new Set(largest.curve.map((p) => p.copies))].sort((a, b) => a - b));
    assert.match(view.sentence, /^Recorded on 16 CPUs \(.*, CPython \d+\.\d+\.\d+, \d{4}-\d\d-\d\d\): CPython threads kept \d+\.\d\d CPUs busy with \d+ copies; CPython processes kept/);
    assert.match(view.sentence, /Here, with 2 usable CPUs: CPython threads 1\.01 CPUs busy with 2 copies, CPython processes 1\.90 CPUs busy with 2 copies\. A recording from another machine: it shows what more CPUs do, and changes no verdict of this chapter\.$/);
  });

  it("says so when this machine's CPython ran without the GIL the recording ran with", () => {
    const withGil = { ...largest, python: { version: "3.12.3", gil: true } };
    const ran = (gil: boolean) => {
      const r = here(2);
      const interpreter = { version: "3.13.5", gil, freeThreadedBuild: true, switchIntervalS: 0.005, startMethod: "fork", executable: "python3.13t" };
      return { ...r, strategies: r.strategies.map((s) => ({ ...s, interpreter })) };
    };
    assert.match(
      referenceView("python", ran(false), { references: [withCores(withGil, 16)] }).sentence,
      /Here, with 2 usable CPUs \(CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\); the recording's CPython ran with its GIL on, so the two measure different machines\): CPython threads/,
    );
    assert.match(referenceView("python", ran(true), { references: [withCores(withGil, 16)] }).sentence, /Here, with 2 usable CPUs: CPython threads/, "PYTHON_GIL=1: the same machine as the recording's");
  });

  it("takes this machine's scaling curve (07) as well: one point per count of copies", () => {
    const curve = [1, 2].flatMap((workers) =>
      (["threads", "processes"] as const).map((strategy) => ({ strategy, workers, speedup: summarize(steady(workers)), coresBusy: summarize(steady(workers * 0.97)), busy: false })),
    );
    const view = referenceView("node", curve, { references: [withCores(largest, 64)] });
    const mine = view.figure!.data.find((t) => String((t as { name?: unknown }).name).startsWith("worker threads, this machine")) as unknown as { x: number[]; y: number[] };
    assert.deepEqual([mine.x, mine.y.map((v) => Number(v.toFixed(2)))], [[1, 2], [0.97, 1.94]]);
    assert.match(view.sentence, /worker threads 0\.97 CPUs busy with 1 copy, child processes 0\.97 CPUs busy with 1 copy, worker threads 1\.94 CPUs busy with 2 copies/);
  });

  it("adds nothing when no recording has more CPUs than this machine, or none exists", () => {
    const same = referenceView("python", here(16), { references: [withCores(largest, 16)] });
    assert.deepEqual([same.recording, same.figure], [null, null]);
    assert.match(same.sentence, /^Nothing to add from a recording: the largest recording of CPython, 16 CPUs, has no more than this machine's 16/);
    assert.match(referenceView("node", null, { references: [] }).sentence, /^Nothing to add from a recording: no recording of Node was found in /);
  });
});
