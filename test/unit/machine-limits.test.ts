/**
 * Effective CPUs and memory: cgroup v1 and v2 files read from fake trees, the rule that picks the
 * binding limit, the verdicts on a machine whose quota allows one CPU, and, where this machine lets
 * a test create a cgroup, a real 1-CPU quota around a process that measures worker threads.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { cpuLimitText, describeMachine, type CompareResult, type MachineDescription } from "conclab";
import { gil } from "conclab/course";
import { effectiveCpus, readCgroupLimits, type CgroupRoots } from "conclab/internal";
import { handMadeResult, steady, testMachine } from "../helpers/results";

const scratch = mkdtempSync(path.join(tmpdir(), "conclab-cgroup-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake /proc/self/cgroup and cgroup mount: `files` maps paths under the mount to contents. */
function fakeTree(name: string, selfCgroup: string, files: Record<string, string>): CgroupRoots {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, "sys", file)), { recursive: true });
    writeFileSync(path.join(root, "sys", file), text);
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, "self-cgroup"), selfCgroup);
  return { selfCgroupFile: path.join(root, "self-cgroup"), mountRoot: path.join(root, "sys") };
}

describe("cgroup limits", () => {
  it("reads a v2 quota and memory limit, the smallest along the path to the root", () => {
    const roots = fakeTree("v2", "0::/user.slice/binder-1\n", {
      "cgroup.controllers": "cpu memory",
      "cpu.max": "max 100000",
      "user.slice/cpu.max": "200000 100000",
      "user.slice/binder-1/cpu.max": "100000 100000",
      "user.slice/binder-1/memory.max": "2147483648",
      "user.slice/memory.max": "max",
    });
    assert.deepEqual(readCgroupLimits(roots), { cpuQuota: 1, memoryBytes: 2147483648, version: 2 });
  });

  it("reads v2 without limits as none", () => {
    const roots = fakeTree("v2-free", "0::/\n", { "cgroup.controllers": "cpu memory", "cpu.max": "max 100000", "memory.max": "max" });
    assert.deepEqual(readCgroupLimits(roots), { cpuQuota: null, memoryBytes: null, version: 2 });
  });

  it("reads a v1 quota (cfs_quota_us / cfs_period_us) from a combined cpu,cpuacct mount and a v1 memory limit", () => {
    const roots = fakeTree("v1", "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n", {
      "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000",
      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
      "cpu,cpuacct/cpu.cfs_quota_us": "-1",
      "cpu,cpuacct/cpu.cfs_period_us": "100000",
      "memory/docker/abc/memory.limit_in_bytes": "1073741824",
    });
    assert.deepEqual(readCgroupLimits(roots), { cpuQuota: 0.5, memoryBytes: 1073741824, version: 1 });
  });

  it("reads v1's 'no limit' values (-1 quota, memory near 2^63) as none", () => {
    const roots = fakeTree("v1-free", "4:memory:/x\n1:cpu:/\n", {
      "cpu/cpu.cfs_quota_us": "-1",
      "cpu/cpu.cfs_period_us": "100000",
      "memory/x/memory.limit_in_bytes": "9223372036854771712",
    });
    assert.deepEqual(readCgroupLimits(roots), { cpuQuota: null, memoryBytes: null, version: 1 });
  });

  it("finds a container's own limits at its mount's root when /proc shows a host path", () => {
    const roots = fakeTree("v1-container", "1:cpu:/kubepods/pod1/c1\n", { "cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000" });
    assert.equal(readCgroupLimits(roots).cpuQuota, 1);
  });

  it("says nothing when there is no cgroup file", () => {
    assert.deepEqual(readCgroupLimits({ selfCgroupFile: path.join(scratch, "none"), mountRoot: scratch }), { cpuQuota: null, memoryBytes: null, version: null });
  });
});

describe("effective CPUs", () => {
  it("is the smallest of cores, affinity and whole CPUs of quota, and names the one that binds", () => {
    assert.deepEqual(effectiveCpus(16, 16, 1), { cpus: 1, limitedBy: "quota", cores: 16, affinityCores: 16, quotaCpus: 1 });
    assert.deepEqual(effectiveCpus(16, 4, 8), { cpus: 4, limitedBy: "affinity", cores: 16, affinityCores: 4, quotaCpus: 8 });
    assert.deepEqual(effectiveCpus(2, 2, null), { cpus: 2, limitedBy: "cores", cores: 2, affinityCores: 2, quotaCpus: null });
    assert.equal(effectiveCpus(8, 8, 1.5).cpus, 1, "1.5 CPUs of time is one whole CPU");
    assert.equal(effectiveCpus(8, 8, 0.5).cpus, 1, "never below one");
    assert.equal(effectiveCpus(2, 2, 4).limitedBy, "cores", "a quota above the cores does not bind");
  });

  it("is what describeMachine() reports as cores, with the memory limit", () => {
    const roots = fakeTree("describe", "0::/binder\n", { "cgroup.controllers": "cpu", "binder/cpu.max": "100000 100000", "binder/memory.max": "2147483648" });
    const machine = describeMachine(roots);
    assert.equal(machine.cores, 1);
    assert.equal(machine.cpuLimit.limitedBy, machine.cpuLimit.cores > 1 ? "quota" : "cores");
    assert.equal(machine.memoryLimitBytes, 2147483648);
  });

  it("is told to the reader in a sentence that names the binding limit", () => {
    assert.match(cpuLimitText(effectiveCpus(16, 16, 1)), /^1 CPU usable at once: this container's CPU quota allows 1 CPU's worth of time, though the machine has 16 logical cores/);
    assert.match(cpuLimitText(effectiveCpus(16, 4, null)), /^4 CPUs usable at once: this process may run on 4 cores \(its CPU affinity\)/);
    assert.match(cpuLimitText(effectiveCpus(2, 2, null)), /^2 CPUs usable at once: the machine has 2 logical cores, and no CPU quota or affinity mask limits them$/);
  });
});

/** A compare() result in which threads ran 1.9x faster than sequential: a clear speedup on 2 free CPUs. */
function threadsResult(machine: MachineDescription): CompareResult {
  return handMadeResult(machine, 2, { sequential: { wall: steady(400), speedup: steady(1) }, threads: { wall: steady(210), speedup: steady(1.9) } });
}

describe("speedup verdicts under a 1-CPU quota", () => {
  const quota = describeMachine(fakeTree("verdict-quota", "0::/b\n", { "cgroup.controllers": "cpu", "b/cpu.max": "100000 100000" }));
  const onTwo = testMachine(2);

  it("say 'not measured', never 'holds' or 'differs', and name the quota as the reason", () => {
    if (quota.cpuLimit.cores < 2) return assert.fail("this machine has one core: the quota cannot be the binding limit here");
    const claim = gil.nodeThreadsParallel(threadsResult(quota));
    assert.equal(claim.verdict, "not measured");
    assert.match(claim.reason, /CPU quota allows 1 CPU's worth of time/);
  });

  it("judge the same numbers on two free CPUs", () => {
    assert.equal(gil.nodeThreadsParallel(threadsResult(onTwo)).verdict, "differs");
  });
});

/** A v1 or v2 cpu cgroup this test may create, or why it cannot. */
function makeOneCpuCgroup(): { dir: string; procs: string } | string {
  const name = `conclab-test-${process.pid}`;
  const candidates = [
    { dir: path.join("/sys/fs/cgroup/cpu", name), write: (dir: string) => (writeFileSync(path.join(dir, "cpu.cfs_period_us"), "100000"), writeFileSync(path.join(dir, "cpu.cfs_quota_us"), "100000")) },
    { dir: path.join("/sys/fs/cgroup", name), write: (dir: string) => writeFileSync(path.join(dir, "cpu.max"), "100000 100000") },
  ];
  const reasons: string[] = [];
  for (const { dir, write } of candidates) {
    if (!existsSync(path.dirname(dir))) continue;
    try {
      mkdirSync(dir);
      write(dir);
      return { dir, procs: path.join(dir, "cgroup.procs") };
    } catch (error) {
      reasons.push(`${dir}: ${(error as Error).message}`);
      try {
        rmdirSync(dir);
      } catch {
        // never made
      }
    }
  }
  return reasons.join("; ") || "no cgroup mount";
}

describe("a real 1-CPU cgroup quota", () => {
  it("makes compare() and the verdicts see one CPU and say why", (t) => {
    const cgroup = makeOneCpuCgroup();
    if (typeof cgroup === "string") return t.skip(`cannot create a cgroup here (${cgroup}); the injected readings above cover the logic`);
    try {
      const script = [
        'const { compare, countTo, calibrate } = require("conclab");',
        'const { gil } = require("conclab/course");',
        "(async () => {",
        "  const n = await calibrate(countTo, { targetMs: 40 });",
        '  const r = await compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "threads"], repeats: 3, warmup: 1 });',
        "  const claim = gil.nodeThreadsParallel(r);",
        "  console.log(JSON.stringify({ cores: r.environment.cores, limitedBy: r.environment.cpuLimit.limitedBy, verdict: claim.verdict, reason: claim.reason }));",
        "})().catch((e) => { console.error(e); process.exit(1); });",
      ].join("\n");
      // The shell joins the cgroup, then becomes Node: everything the experiment starts is inside the quota.
      const run = spawnSync("sh", ["-c", `echo $$ > "${cgroup.procs}" && exec "${process.execPath}" -e '${script.replace(/'/g, "'\\''")}'`], { encoding: "utf8", timeout: 120_000 });
      assert.equal(run.status, 0, run.stderr);
      const seen = JSON.parse(run.stdout.trim().split("\n").pop()!) as { cores: number; limitedBy: string; verdict: string; reason: string };
      assert.equal(seen.cores, 1);
      assert.equal(seen.verdict, "not measured");
      if (describeMachine().cpuLimit.cores > 1) {
        assert.equal(seen.limitedBy, "quota");
        assert.match(seen.reason, /CPU quota/);
      }
    } finally {
      rmdirSync(cgroup.dir);
    }
  });
});
