/**
 * The queue's promise under faults, counted: a worker host is killed while it runs a job, and the
 * course's server crashes and comes back (its append-only file keeps the queue), in one batch.
 * Every job submitted must be completed or reported failed with its cause, each copy once in the
 * results; the job the dead host held runs again elsewhere (at least once, BullMQ's delivery).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startQueueCluster, type RunEvent } from "conclab";
import { namespaceSupport } from "conclab/internal";
import { ProcessWatch } from "../helpers/processes";
import { jupyterEnv } from "../../tools/paths";

process.env.PATH = jupyterEnv().PATH;
delete process.env.CONCLAB_REDIS_URL;

/** About `ms` of CPU work, then the copy's argument back. */
function busy(ms: number): number {
  const until = Date.now() + ms;
  let spins = 0;
  while (Date.now() < until) spins++;
  return spins >= 0 ? ms : -1;
}

const JOBS = 12;

/** The first job a host started and has not ended, from the run log. */
function inFlight(events: readonly RunEvent[], host: string): RunEvent | undefined {
  const ended = new Set(events.filter((e) => e.event !== "start").map((e) => `${e.copy}/${e.attempt}/${e.host}`));
  return events.find((e) => e.event === "start" && e.host === host && !ended.has(`${e.copy}/${e.attempt}/${e.host}`));
}

describe("faults in the middle of a batch", () => {
  it("a killed worker host and a restarted server lose no job and show none twice", async () => {
    const watch = new ProcessWatch();
    const hosts = namespaceSupport().available ? "namespaces" : "local";
    if (hosts === "local" && process.env.CONCLAB_REQUIRE_NAMESPACES === "1") throw new Error(`CONCLAB_REQUIRE_NAMESPACES=1 but: ${namespaceSupport().why}`);
    // Short locks so that the dead host's job comes back within a second or two, not BullMQ's 30 s.
    const cluster = await startQueueCluster({ workers: 3, hosts, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 2 });
    try {
      const batch = cluster.runJobs(busy, [300], JOBS, { timeoutMs: 60_000 });
      let victim: RunEvent | undefined;
      for (let i = 0; i < 200 && !victim; i++) {
        await sleep(25);
        victim = inFlight(await cluster.runLog(), cluster.workers[0]!.host);
      }
      assert.ok(victim, "the first host started a job");
      cluster.killHost(0);
      await sleep(200);
      await cluster.restartServer({ downMs: 300 });
      const report = await batch;

      assert.equal(report.submitted, JOBS);
      assert.equal(report.records.length + report.failed.length, JOBS, "every job completed or was reported failed");
      assert.deepEqual([...report.records.map((r) => r.copy), ...report.failed.map((f) => f.copy)].sort((a, b) => a - b), Array.from({ length: JOBS }, (_, i) => i), "each copy once");
      for (const failure of report.failed) assert.ok(failure.reason.length > 0, `copy ${failure.copy} failed with a cause`);
      assert.equal(cluster.workers[0]!.alive, false, "the killed host's worker is gone");
      assert.ok(report.records.every((r) => r.host !== cluster.workers[0]!.host || r.copy !== victim!.copy), "the killed host did not complete the job it held");
      const victimRuns = report.runs.filter((e) => e.copy === victim!.copy && e.event === "start");
      const done = report.records.find((r) => r.copy === victim!.copy);
      if (done) {
        assert.ok(victimRuns.length >= 2, `the job held by the dead host ran again: ${JSON.stringify(victimRuns)}`);
        assert.notEqual(done.host, cluster.workers[0]!.host);
      }
    } finally {
      await cluster.destroy();
    }
    assert.deepEqual(await watch.leftovers(), [], "nothing left running");
  });
});
