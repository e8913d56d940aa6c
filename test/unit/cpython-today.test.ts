/**
 * Chapter 14 in a real CPython: on the free-threaded build (test/helpers/free-threaded.ts; skipped
 * with the reason where it is absent, failed where CI requires it) what only a run without the GIL
 * can show, and the same binary with `-X gil=1` beside it; on the machine's standard build, the
 * free-threading claims are "not measured" and say how to get a build; and the exercise's answers,
 * right and wrong, on every CPU and on one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { findPython } from "conclab";
import { cpythonToday, QUESTIONS } from "conclab/course";
import { onOneCpuAndOnAll } from "../helpers/exercise-suite";
import { freeThreadedPython } from "../helpers/free-threaded";

/** Runs the chapter's experiments with CONCLAB_PYTHON set to `python` for the duration of the suite. */
function withPython(python: string): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.CONCLAB_PYTHON;
    process.env.CONCLAB_PYTHON = python;
  });
  after(() => {
    if (saved === undefined) delete process.env.CONCLAB_PYTHON;
    else process.env.CONCLAB_PYTHON = saved;
  });
}

const freeThreaded = freeThreadedPython();

describe("chapter 14 on a free-threaded CPython", { skip: freeThreaded.skip }, () => {
  withPython(freeThreaded.python ?? "");

  it("the counter loses updates without a Lock and none with one, and the interpreter says its GIL was off; -X gil=1 turns it on in the same binary", async () => {
    const run = await cpythonToday.counterRun("short");
    assert.ok(run);
    assert.deepEqual([run.interpreter.freeThreadedBuild, run.interpreter.gil], [true, false], cpythonToday.interpreterDetails(run.interpreter));
    assert.ok(run.result.plain.some((r) => r.lost > 0), `lost without a Lock: ${run.result.plain.map((r) => r.lost).join(", ")}`);
    assert.deepEqual(run.result.locked.map((r) => r.lost), run.result.locked.map(() => 0), "none lost with the Lock");
    assert.ok(run.withGil, "the same binary also ran with -X gil=1");
    assert.deepEqual([run.withGil.interpreter.freeThreadedBuild, run.withGil.interpreter.gil, run.withGil.interpreter.executable], [true, true, run.interpreter.executable]);
    const claim = cpythonToday.freeCounterClaim(run, 2);
    assert.equal(claim.verdict, "holds", claim.reason);
    assert.match(claim.measured, /a free-threaded build, GIL disabled while it ran/);
  });

  it("the CPU, convoy and single-thread runs report the GIL off, and the same binary with it on beside them", async () => {
    const cpu = await cpythonToday.cpuRun("short");
    const convoy = await cpythonToday.convoyRun("short");
    const single = await cpythonToday.singleRun("short");
    for (const run of [cpu, convoy, single?.here]) {
      assert.ok(run);
      assert.equal(run.interpreter.gil, false);
      assert.equal(run.withGil?.interpreter.gil, true);
    }
    assert.notEqual(cpythonToday.freeThreadsClaim(cpu, 2).verdict, "not measured", "measured on a free-threaded build with its GIL off");
    assert.match(cpythonToday.cpuCaption(cpu), /GIL off: 2 threads kept .* Same binary, -X gil=1: GIL on: 2 threads/);
    assert.match(cpythonToday.singleCaption(single), /with -X gil=1/);
    assert.match(cpythonToday.ranOn(convoy), /a free-threaded build, GIL disabled while it ran.*-X gil=1.*GIL enabled while it ran/);
  });
});

const standard = findPython();

describe("chapter 14 on the machine's standard CPython", { skip: standard === null || standard.gil === false ? "no standard-build CPython 3.8+ here" : false }, () => {
  it("the free-threading claims are not measured, and say how to get a free-threaded build", async () => {
    const cpu = await cpythonToday.cpuRun("short");
    const counter = await cpythonToday.counterRun("short");
    assert.ok(cpu && counter);
    assert.equal(cpu.withGil, null, "no second run on a standard build");
    for (const claim of [cpythonToday.freeThreadsClaim(cpu, 2), cpythonToday.freeCounterClaim(counter, 2)]) {
      assert.equal(claim.verdict, "not measured", claim.id);
      assert.match(claim.reason, /standard build.*npm run free-threaded-python.*CONCLAB_PYTHON=/);
    }
  });

  it("the start methods name the interpreter's default among those it measured", async () => {
    const starts = await cpythonToday.startsRun("short");
    assert.ok(starts);
    assert.ok(starts.result.methods.some((m) => m.method === starts.result.defaultMethod), starts.result.defaultMethod);
    assert.match(cpythonToday.startsCaption(starts), new RegExp(`default start method: ${starts.result.defaultMethod}\\. .*3\\.14 made it forkserver`));
  });
});

describe("chapter 14's claims and question", () => {
  it("threads on CPU work are not judged on one CPU, whatever the interpreter", () => {
    const run: cpythonToday.Measured<cpythonToday.CpuResult> = {
      result: { loops: 1000, copies: 2, ways: { sequential: { wallMs: [200, 200, 200], cpuMs: [200, 200, 200] }, threads: { wallMs: [200, 200, 200], cpuMs: [200, 200, 200] }, processes: { wallMs: [200, 200, 200], cpuMs: [200, 200, 200] } } },
      interpreter: { version: "3.13.5", gil: false, freeThreadedBuild: true, switchIntervalS: 0.005, startMethod: "fork", executable: "/opt/python3.13t" },
      withGil: null,
    };
    const claim = cpythonToday.freeThreadsClaim(run, 1);
    assert.equal(claim.verdict, "not measured");
    assert.match(claim.reason, /^one core/);
  });

  it("on one CPU the convoy is judged by whether the delay grows with the switch interval: the OS's own delay does not", () => {
    const who = (gil: boolean) => ({ version: gil ? "3.11.7" : "3.13.5", gil, freeThreadedBuild: !gil, switchIntervalS: 0.005, startMethod: "fork", executable: "/usr/bin/python3" });
    const run = (at5: number[], at20: number[], gil: boolean): cpythonToday.Measured<cpythonToday.ConvoyResult> => ({
      result: { sleepMs: 2, wakes: 10, rounds: 4, points: [{ intervalMs: 5, aloneMs: [0.08, 0.09, 0.08, 0.09], besideMs: at5 }, { intervalMs: 20, aloneMs: [0.08, 0.09, 0.08, 0.09], besideMs: at20 }] },
      interpreter: who(gil),
      withGil: null,
    });
    // Measured here pinned to one CPU: with the GIL, the interval plus the scheduler's share; without it, the scheduler's alone.
    const withGil = cpythonToday.convoyClaim(run([15.5, 18, 16.5, 15.8], [27, 33, 26, 29.8], true), 1);
    assert.equal(withGil.verdict, "holds", withGil.reason);
    assert.match(withGil.reason, /cannot tell apart/);
    // The claim is about the GIL: a run without it decides nothing, unless the same binary also ran with -X gil=1.
    const withoutGil = cpythonToday.convoyClaim(run([3.78, 2.1, 3.05, 6.0], [2.89, 1.92, 6.13, 2.48], false), 1);
    assert.equal(withoutGil.verdict, "not measured", withoutGil.reason);
    assert.match(withoutGil.reason, /a free-threaded build, GIL disabled while it ran\) ran these threads, so the lock this claim is about was not there/);
    const twin = { ...run([3.78, 2.1, 3.05, 6.0], [2.89, 1.92, 6.13, 2.48], false), withGil: { result: run([15.5, 18, 16.5, 15.8], [27, 33, 26, 29.8], true).result, interpreter: { ...who(false), gil: true } } };
    const onTwin = cpythonToday.convoyClaim(twin, 1);
    assert.equal(onTwin.verdict, "holds", onTwin.reason);
    assert.match(onTwin.rule, /^judged on the same binary run with -X gil=1/);
    assert.match(onTwin.measured, /^the same binary run with -X gil=1, CPython 3\.13\.5 \(a free-threaded build, GIL enabled while it ran\):.*with the GIL off, the waiting thread woke .* late at a 5 ms interval/);
    // The same GIL-on numbers on two CPUs are more than about one interval late at 5 ms: not "holds".
    assert.equal(cpythonToday.convoyClaim(run([15.5, 18, 16.5, 15.8], [27, 33, 26, 29.8], true), 2).verdict, "unclear");
  });

  it("the convoy question is answered from the lateness at the largest interval, and a run in no range answers none", () => {
    const question = QUESTIONS["cpython.convoy"]!;
    assert.equal(question.choose({ median: 21, low: 20, high: 23 }), "b");
    assert.equal(question.choose({ median: 0.1, low: 0.08, high: 0.12 }), "a");
    assert.equal(question.choose({ median: 80, low: 70, high: 95 }), "c");
    assert.equal(question.choose({ median: 7, low: 4, high: 9 }), null);
  });

  it("the exercise cannot tell without CPython, and says so", () => {
    const result = cpythonToday.judgeLockedAdd(null);
    assert.equal(result.passed, null);
    assert.match(result.message, /^Cannot tell: no CPython/);
  });

  it("source that defines no add() is not yet an answer, naming what is expected", async () => {
    const result = await cpythonToday.checkLockedAdd("print('hello')");
    assert.equal(result.passed, false);
    assert.match(result.message, /source must be Python text defining add\(counter, lock, times\)/);
  });
});

describe("the exercise: where the lock goes", { skip: findPython() === null ? "no CPython 3.8+ here" : false }, () => {
  onOneCpuAndOnAll("14");
});
