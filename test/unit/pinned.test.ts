/** compareOnCpus: the same comparison in a child held to chosen CPUs, and stopped with the cell. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortError, compareOnCpus, countTo, describeMachine } from "conclab";
import { abortAllExperiments, allowedCpus, pinnedCommand } from "conclab/internal";
import { ProcessWatch } from "../helpers/processes";

describe("a comparison held to one CPU", () => {
  it("runs in a child whose worker threads see one CPU, limited by affinity, on a machine with more", async (t) => {
    if (describeMachine().cores < 2) return t.skip("this machine lets the course use one CPU: nothing to hold it to");
    const r = await compareOnCpus({ task: countTo, args: [1_000_000], copies: 2, strategies: ["sequential", "threads"], repeats: 2, warmup: 0 });
    assert.ok(r, "Linux with taskset or CPython can pin a process");
    assert.equal(r.environment.cores, 1);
    assert.equal(r.environment.cpuLimit.limitedBy, "affinity");
    assert.deepEqual(r.strategies.map((s) => s.strategy), ["sequential", "threads"]);
    assert.deepEqual(r.strategies.find((s) => s.strategy === "threads")!.results, [1_000_000, 1_000_000]);
  });

  it("pins with taskset where it exists, else with CPython, and reads this process's CPUs", () => {
    const cpus = allowedCpus();
    assert.ok(cpus && cpus.length === describeMachine().cpuLimit.affinityCores, `Cpus_allowed_list gives ${String(cpus)}`);
    const command = pinnedCommand([0], ["node", "x.js"]);
    assert.ok(command);
    assert.ok(command.command === "taskset" ? command.args.join(" ") === "-c 0 node x.js" : command.args.includes("os.sched_setaffinity") || command.args[0] === "-c");
  });

  it("rejects CPUs that are not CPU numbers, naming the parameter and the fix", async () => {
    await assert.rejects(compareOnCpus({ task: countTo, args: [1], copies: 1, strategies: ["sequential"], cpus: [-1] }), /cpus must be a list of CPU numbers.*leave it out/);
  });

  it("an interrupt stops the child and leaves no process behind", async () => {
    const watch = new ProcessWatch(20);
    const running = compareOnCpus({ task: countTo, args: [3e9], copies: 2, strategies: ["sequential", "threads"], repeats: 3, warmup: 0 });
    while (watch.count === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await abortAllExperiments();
    await assert.rejects(running, AbortError);
    assert.deepEqual(await watch.leftovers(), []);
  });
});
