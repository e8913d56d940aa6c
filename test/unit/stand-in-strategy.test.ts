/**
 * Adding a strategy is one descriptor and one runner file. This test does it to a copy of the
 * library's source: it writes a runner for a stand-in strategy (copies one after another, each in
 * a macrotask of its own), adds its descriptor to the table and nothing else, compiles the copy
 * with the project's compiler settings, and uses the stand-in the way a notebook would: compare()
 * accepts it by name, measures it against its baseline, decides its copy limit, and the figures
 * draw it in its own colour. A fact about strategies kept anywhere but the table (a switch, an
 * exhaustive map, a list of names) makes the copy fail to compile or the stand-in fail to run.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { addStrategy, copyOfProject, libraryConfig } from "../helpers/source-copy";

const STAND_IN_RUNNER = `/** A stand-in strategy: copies one after another on the kernel's thread, each in a macrotask of its own. */
import { nowMs } from "../measure/clock";
import { instantiate } from "../tasks/instantiate";
import { portable } from "../tasks/task-source";
import type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategy";

export function createStandInRunner(context: RunnerContext): StrategyRunner {
  const fn = instantiate(portable(context.task));
  const copyOnce = (copy: number): Promise<TaskRecord> =>
    new Promise((resolve, reject) =>
      setImmediate(() => {
        const startMs = nowMs();
        try {
          const result = fn(...context.args);
          resolve({ copy, startMs, endMs: nowMs(), laneKind: "main", pid: process.pid, threadId: 0, result });
        } catch (error) {
          reject(error);
        }
      }),
    );
  const all = async (): Promise<TaskRecord[]> => {
    const records: TaskRecord[] = [];
    for (let copy = 0; copy < context.copies; copy++) records.push(await copyOnce(copy));
    return records;
  };
  return {
    key: "standIn",
    async prepare(warmupRounds: number): Promise<void> {
      for (let round = 0; round < warmupRounds; round++) await all();
    },
    async runOnce(): Promise<RunRecord> {
      const startMs = nowMs();
      const tasks = await all();
      const endMs = nowMs();
      return { startMs, endMs, wallMs: endMs - startMs, tasks };
    },
    async dispose(): Promise<void> {},
  };
}
`;

const STAND_IN_DESCRIPTOR = `  {
    key: "standIn", runtime: "node", placement: { where: "kernel-thread" }, parallel: false, baseline: "sequential", kernelThread: "one-after-another", maxCopies: { count: 8, why: "the stand-in keeps its runs short" },
    style: { name: "stand-in (setImmediate)", color: "#2ca02c", symbol: "star", dash: "solid" },
    create: (context) => createStandInRunner(context),
  },
`;

describe("adding a strategy: one descriptor and one runner file", () => {
  let copy = "";

  before(() => {
    copy = copyOfProject("stand-in-", ["src", "kernel-ext"]);
    libraryConfig(copy);
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("compiles with the stand-in added, and changes exactly those two files", () => {
    addStrategy(copy, "stand-in.ts", STAND_IN_RUNNER, 'import { createStandInRunner } from "./stand-in";\n', STAND_IN_DESCRIPTOR);
  });

  it("is accepted by name, measured against its baseline, limited, and drawn in its own colour", async () => {
    const lib = require(path.join(copy, "dist", "src", "index.js")) as typeof import("conclab");
    const keys: readonly string[] = lib.STRATEGY_KEYS;
    assert.ok(keys.includes("standIn"), `STRATEGY_KEYS: ${keys.join(", ")}`);
    assert.ok(((require(path.join(copy, "dist", "src", "internal.js")) as typeof import("conclab/internal")).NODE_STRATEGIES as readonly string[]).includes("standIn"));

    const strategies = ["standIn", "sequential"] as unknown as ["sequential"];
    const result = await lib.compare({ task: lib.countTo, args: [10_000], copies: 3, strategies, repeats: 3, warmup: 1 });
    const standIn = result.strategies.find((s) => (s.strategy as string) === "standIn");
    assert.ok(standIn, `the result has the stand-in: ${result.strategies.map((s) => s.strategy).join(", ")}`);
    assert.equal(standIn.wallMs.samples.length, 3, "three timed runs");
    assert.equal(standIn.spans.length, 9, "three copies in each");
    assert.ok(standIn.speedup, "measured against its baseline, sequential");
    assert.equal(standIn.idealSpeedup, 1, "not parallel: its ideal speedup is 1");
    const sequential = result.strategies.find((s) => s.strategy === "sequential")!;
    assert.deepEqual(standIn.results, sequential.results, "the same task's results as sequential");

    await assert.rejects(lib.compare({ task: lib.countTo, args: [10], copies: 9, strategies, repeats: 1 }), {
      name: "RangeError",
      message: /at most 8 with standIn, since the stand-in keeps its runs short/,
    });
    await assert.rejects(lib.compare({ task: lib.countTo, args: [10], copies: 1, strategies: ["fibers" as "sequential"], repeats: 1 }), {
      message: /must be one of sequential, eventLoop, threads, async, processes, queue, standIn, python, /,
    });

    assert.equal(lib.strategyName("standIn"), "stand-in (setImmediate)");
    assert.equal(lib.strategyColor("standIn"), "#2ca02c");
    const figure = lib.wallTimeFigure(result);
    const colours = JSON.stringify(figure.data);
    assert.ok(colours.includes("#2ca02c") && colours.includes("stand-in (setImmediate)"), "the wall-time figure draws the stand-in in its colour, under its name");
  });
});
