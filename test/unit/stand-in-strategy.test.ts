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
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";

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

/** Files under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name), path.join(prefix, entry.name)) : [path.join(prefix, entry.name)],
  );
}

describe("adding a strategy: one descriptor and one runner file", () => {
  // Inside the repository, so that the copy's imports find node_modules.
  const artifacts = path.join(PROJECT_ROOT, "test-artifacts");
  let copy = "";

  before(() => {
    mkdirSync(artifacts, { recursive: true });
    copy = mkdtempSync(path.join(artifacts, "stand-in-"));
    for (const dir of ["src", "kernel-ext"]) cpSync(path.join(PROJECT_ROOT, dir), path.join(copy, dir), { recursive: true });
    writeFileSync(
      path.join(copy, "tsconfig.json"),
      JSON.stringify({ extends: path.join(PROJECT_ROOT, "tsconfig.base.json"), compilerOptions: { rootDir: ".", outDir: "dist" }, include: ["src", "kernel-ext"] }),
    );
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("compiles with the stand-in added, and changes exactly those two files", () => {
    writeFileSync(path.join(copy, "src", "strategies", "stand-in.ts"), STAND_IN_RUNNER);
    const table = path.join(copy, "src", "strategies", "descriptors.ts");
    const source = readFileSync(table, "utf8");
    const tableEnd = source.indexOf("] as const);");
    const lastImport = source.lastIndexOf("\nimport ");
    assert.ok(tableEnd > 0 && lastImport > 0, "the descriptor table ends with `] as const);` after the imports");
    const importEnd = source.indexOf("\n", lastImport + 1) + 1;
    writeFileSync(
      table,
      source.slice(0, importEnd) + 'import { createStandInRunner } from "./stand-in";\n' + source.slice(importEnd, tableEnd) + STAND_IN_DESCRIPTOR + source.slice(tableEnd),
    );

    const changed = [...filesUnder(path.join(copy, "src")).map((f) => path.join("src", f)), ...filesUnder(path.join(copy, "kernel-ext")).map((f) => path.join("kernel-ext", f))].filter((file) => {
      try {
        return readFileSync(path.join(PROJECT_ROOT, file), "utf8") !== readFileSync(path.join(copy, file), "utf8");
      } catch {
        return true; // not in the original: added
      }
    });
    assert.deepEqual(changed.sort(), ["src/strategies/descriptors.ts", "src/strategies/stand-in.ts"]);

    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", copy], { encoding: "utf8" });
    assert.equal(tsc.status, 0, `the copy compiles:\n${tsc.stdout}${tsc.stderr}`);
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
      message: /must be one of sequential, eventLoop, threads, async, processes, standIn, python, /,
    });

    assert.equal(lib.strategyName("standIn"), "stand-in (setImmediate)");
    assert.equal(lib.strategyColor("standIn"), "#2ca02c");
    const figure = lib.wallTimeFigure(result);
    const colours = JSON.stringify(figure.data);
    assert.ok(colours.includes("#2ca02c") && colours.includes("stand-in (setImmediate)"), "the wall-time figure draws the stand-in in its colour, under its name");
  });
});
