/**
 * A strategy whose copies run on another host is one descriptor and one runner file, as any other
 * (see stand-in-strategy.test.ts), and the library must not meter it as if it ran here. This test
 * adds to a copy of the source a stand-in whose copies run as jobs "on another host": local child
 * processes posing as one, each reporting the host name `stand-in-host`. Its twin, the same runner
 * with a descriptor that says "local process", shows what the descriptor decides: lanes name the
 * host the copies report, CPUs busy is taken for the twin and said "not measured on this host" for
 * the stand-in, the ideal speedup reads the other host's cores from the descriptor, and start-up,
 * memory per unit and switch cost are measured through the descriptor's unit operations.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { addStrategy, copyOfProject, libraryConfig } from "../helpers/source-copy";

/** The runner file: no template literals, since it travels inside one. */
const REMOTE_RUNNER = String.raw`/** A stand-in for jobs on another host: each copy in a child process that names its host "stand-in-host". */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { nowMs } from "../measure/clock";
import { portable } from "../tasks/task-source";
import type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategy";
import type { UnitOperations } from "./unit-operations";

export const STAND_IN_HOST = "stand-in-host";
/** How often each unit operation ran (the test reads it). */
export const unitCalls = { start: 0, idle: 0, handOff: 0 };

/** The "host": answers each line of JSON (a task, its args) with one copy's record, or reports on itself. */
const HOST_SCRIPT = [
  "const { instantiate } = require(process.argv[1]);",
  "const host = process.argv[2];",
  "const mode = process.argv[3];",
  "const now = () => performance.timeOrigin + performance.now();",
  "if (mode === 'start') { process.stdout.write(JSON.stringify({ host, at: now() })); process.exit(0); }",
  "if (mode === 'idle') { process.stdout.write(JSON.stringify({ host, rss: process.memoryUsage().rss }) + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); }",
  "if (mode === 'switch') {",
  "  const rounds = Number(process.argv[4]) / 2;",
  "  const player = async () => { for (let i = 0; i < rounds; i++) await null; };",
  "  const started = now();",
  "  Promise.all([player(), player()]).then(() => { process.stdout.write(JSON.stringify({ host, ms: (now() - started) / (rounds * 2) })); process.exit(0); });",
  "}",
  "if (mode === 'copies') {",
  "  let buffer = '';",
  "  process.stdin.on('data', (chunk) => {",
  "    buffer += chunk;",
  "    for (let at = buffer.indexOf('\\n'); at >= 0; at = buffer.indexOf('\\n')) {",
  "      const { task, args, copy } = JSON.parse(buffer.slice(0, at));",
  "      buffer = buffer.slice(at + 1);",
  "      const startMs = now();",
  "      const result = instantiate(task)(...args);",
  "      process.stdout.write(JSON.stringify({ copy, startMs, endMs: now(), laneKind: 'process', pid: process.pid, threadId: 0, host, result }) + '\\n');",
  "    }",
  "  });",
  "  process.stdin.on('end', () => process.exit(0));",
  "}",
].join("\n");

function onHost(mode: string, extra: string[] = []): ChildProcess {
  const instantiate = path.join(__dirname, "..", "tasks", "instantiate.js");
  return spawn(process.execPath, ["-e", HOST_SCRIPT, instantiate, STAND_IN_HOST, mode, ...extra], { stdio: ["pipe", "pipe", "inherit"] });
}

/** The first line a child writes, parsed. */
function firstReply<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))) as T);
    });
    child.once("error", reject);
    child.once("exit", () => (out.trim() ? resolve(JSON.parse(out.split("\n")[0]!) as T) : reject(new Error("the stand-in host said nothing"))));
  });
}

export function createRemoteRunner(context: RunnerContext): StrategyRunner {
  let hosts: ChildProcess[] = [];
  const task = portable(context.task);
  const runCopy = (child: ChildProcess, copy: number): Promise<TaskRecord> => {
    const reply = firstReply<TaskRecord>(child);
    child.stdin!.write(JSON.stringify({ task, args: context.args, copy }) + "\n");
    return reply;
  };
  // One reply per request: a fresh listener per copy reads the next line.
  const all = (): Promise<TaskRecord[]> => Promise.all(hosts.map((child, copy) => runCopy(child, copy)));
  return {
    key: "remoteStandIn",
    async prepare(warmupRounds: number): Promise<void> {
      hosts = Array.from({ length: context.copies }, () => onHost("copies"));
      for (let round = 0; round < warmupRounds; round++) await all();
    },
    async runOnce(): Promise<RunRecord> {
      const startMs = nowMs();
      const tasks = await all();
      const endMs = nowMs();
      return { startMs, endMs, wallMs: endMs - startMs, tasks };
    },
    async dispose(): Promise<void> {
      for (const child of hosts) child.kill("SIGKILL");
      hosts = [];
    },
  };
}

export const REMOTE_UNIT: UnitOperations = {
  measuredIn: "node",
  name: "job on stand-in-host",
  plural: "jobs",
  maxIdle: 8,
  defaultHandoffs: 1000,
  async start() {
    unitCalls.start++;
    const asked = nowMs();
    const { at } = await firstReply<{ at: number }>(onHost("start"));
    return at - asked;
  },
  async idle(count) {
    unitCalls.idle++;
    const children = Array.from({ length: count }, () => onHost("idle"));
    try {
      const reports = await Promise.all(children.map((child) => firstReply<{ rss: number }>(child)));
      return { totalBytes: reports.reduce((sum, r) => sum + r.rss, 0), metric: "rss-children" };
    } finally {
      for (const child of children) child.kill("SIGKILL");
    }
  },
  async handOff(handoffs) {
    unitCalls.handOff++;
    const { ms } = await firstReply<{ ms: number }>(onHost("switch", [String(handoffs)]));
    return { msPerHandoff: ms };
  },
};
`;

const DESCRIPTORS = `  {
    key: "remoteStandIn", runtime: "node", placement: { where: "other-host", cores: 16 }, parallel: true, baseline: "sequential", kernelThread: null,
    maxCopies: { count: 8, why: "the stand-in host takes 8 jobs" },
    style: { name: "jobs on stand-in-host", color: "#2ca02c", symbol: "star", dash: "solid" },
    unit: REMOTE_UNIT,
    create: (context) => createRemoteRunner(context),
  },
  {
    key: "localTwin", runtime: "node", placement: { where: "local-process" }, parallel: true, baseline: "sequential", kernelThread: null,
    maxCopies: { count: 8, why: "the stand-in host takes 8 jobs" },
    style: { name: "the same jobs, said to be local", color: "#98df8a", symbol: "star-open", dash: "solid" },
    create: (context) => createRemoteRunner(context),
  },
`;

describe("a strategy whose copies run on another host: one descriptor, one runner file, and honest meters", () => {
  let copy = "";

  before(() => {
    copy = copyOfProject("remote-", ["src", "kernel-ext"]);
    libraryConfig(copy);
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("compiles with the stand-in and its twin added, and changes exactly the table and the runner file", () => {
    addStrategy(copy, "remote-stand-in.ts", REMOTE_RUNNER, 'import { createRemoteRunner, REMOTE_UNIT } from "./remote-stand-in";\n', DESCRIPTORS);
  });

  it("compare() names the other host in its lanes and says CPUs busy was not measured on this host, where the local twin's was", async () => {
    const lib = require(path.join(copy, "dist", "src", "index.js")) as typeof import("conclab");
    const internal = require(path.join(copy, "dist", "src", "internal.js")) as typeof import("conclab/internal");
    const summaries: string[] = [];
    const previous = internal.setProgressSink(() => (report) => void (report.summary && summaries.push(report.summary)));
    const strategies = ["remoteStandIn", "localTwin", "sequential"] as unknown as ["sequential"];
    let result: Awaited<ReturnType<typeof lib.compare>>;
    try {
      result = await lib.compare({ task: lib.countTo, args: [30_000_000], copies: 4, strategies, repeats: 2, warmup: 1 });
    } finally {
      internal.setProgressSink(previous);
    }
    const remote = result.strategies.find((s) => (s.strategy as string) === "remoteStandIn")!;
    const twin = result.strategies.find((s) => (s.strategy as string) === "localTwin")!;
    assert.ok(remote && twin, `both ran: ${result.strategies.map((s) => s.strategy).join(", ")}`);

    assert.equal(remote.spans.length, 8, "four copies in each of two runs");
    for (const span of remote.spans) {
      assert.equal(span.host, "stand-in-host");
      assert.match(span.lane, /^process \d+ on stand-in-host$/);
    }
    assert.equal(new Set(remote.spans.map((s) => s.lane)).size, 4, "a lane per job");
    assert.ok(remote.memory.perLane.length > 0 && remote.memory.perLane.every((l) => l.host === "stand-in-host" && / on stand-in-host$/.test(l.lane)), "memory lanes name the host");

    assert.equal(remote.coresBusy, null, "this machine's /proc cannot see another host's CPU time");
    assert.match(remote.notMeasuredHere?.coresBusy ?? "", /^CPUs busy: not measured on this host \(remoteStandIn's copies ran on stand-in-host/);
    assert.match(remote.notMeasuredHere?.memory ?? "", /not measured on this host/);
    assert.ok(summaries.some((line) => line.includes("remoteStandIn: CPUs busy: not measured on this host")), `the cell's summary says so: ${summaries.join(" | ")}`);
    // The same copies, with a descriptor that says "local process": the reading is taken.
    assert.ok(twin.coresBusy !== null && twin.coresBusy.median > 0, "the twin's CPUs busy is read from /proc");
    assert.equal(twin.notMeasuredHere, undefined);

    assert.equal(remote.idealSpeedup, 4, "the other host's 16 cores, from the descriptor, take all 4 copies at once");
    assert.equal(twin.idealSpeedup, Math.min(4, result.environment.cores), "the twin is bounded by this machine's cores");
    assert.deepEqual(remote.results, result.strategies.find((s) => s.strategy === "sequential")!.results, "the same task's results as sequential");
  });

  it("measures start-up, memory per unit and switch cost through the descriptor's unit operations", async () => {
    const lib = require(path.join(copy, "dist", "src", "index.js")) as typeof import("conclab");
    const runner = require(path.join(copy, "dist", "src", "strategies", "remote-stand-in.js")) as { unitCalls: Record<"start" | "idle" | "handOff", number> };
    const key = "remoteStandIn" as "threads";

    const startup = await lib.measureStartup(key, 2);
    assert.equal(startup.samplesMs.length, 2);
    assert.ok(startup.samplesMs.every((ms) => ms > 0 && Number.isFinite(ms)));
    const memory = await lib.measureMemory(key, 2);
    assert.equal(memory.metric, "rss-children", "as the stand-in's idle operation reported it");
    assert.ok(memory.bytesPerUnit > 1e6, `a Node process is megabytes: ${memory.bytesPerUnit}`);
    await assert.rejects(lib.measureMemory(key, 9), /count must be an integer from 1 to 8, got 9 .*start between 1 and 8 jobs/);
    const [switches] = await lib.measureSwitches([key], { rounds: 2 });
    assert.deepEqual([switches!.strategy, switches!.handoffs, switches!.samplesMs.length], ["remoteStandIn", 1000, 2], "the descriptor's default handoffs, two rounds");
    assert.deepEqual(runner.unitCalls, { start: 2, idle: 1, handOff: 2 }, "each measurement went through the descriptor's operations");

    const figure = lib.memoryPerUnitFigure([memory]);
    assert.match(JSON.stringify(figure.data), /job on stand-in-host/, "the figure names the unit as its descriptor does");
  });
});
