/**
 * The CPUs and memory a process may really use, which is less than the machine has when a
 * container runs it: Binder gives each reader 1 CPU by cgroup quota on a machine with many cores,
 * and Node's `os.availableParallelism()` sees the affinity mask but not the quota.
 *
 * Linux only (cgroup v1 and v2); elsewhere only the core count and the affinity mask apply.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** Where the cgroup files are; tests point these at fake trees. */
export interface CgroupRoots {
  /** `/proc/self/cgroup` of the process. */
  readonly selfCgroupFile: string;
  /** Mount point of the cgroup file systems, `/sys/fs/cgroup`. */
  readonly mountRoot: string;
}

export const SYSTEM_CGROUP_ROOTS: CgroupRoots = { selfCgroupFile: "/proc/self/cgroup", mountRoot: "/sys/fs/cgroup" };

/** The cgroup limits that apply to this process; null where none is set or none could be read. */
export interface CgroupLimits {
  /** CPUs' worth of time per period the quota allows (quota / period), e.g. 1 or 0.5. */
  readonly cpuQuota: number | null;
  /** Bytes of memory the cgroup may use. */
  readonly memoryBytes: number | null;
  /** Which cgroup version the limits came from. */
  readonly version: 1 | 2 | null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/** The folder of `cgroupPath` under `mount`, and each folder above it up to the mount: a parent's limit binds its children. */
function foldersUpward(mount: string, cgroupPath: string): string[] {
  const parts = cgroupPath.split("/").filter(Boolean);
  const folders: string[] = [];
  for (let n = parts.length; n >= 0; n--) folders.push(path.join(mount, ...parts.slice(0, n)));
  return folders;
}

/** The smallest of the values found in `file` in each folder, parsed by `parse` (null = no limit there). */
function smallestLimit(folders: readonly string[], file: string, parse: (text: string) => number | null): number | null {
  let smallest: number | null = null;
  for (const folder of folders) {
    const text = readText(path.join(folder, file));
    const value = text === null ? null : parse(text);
    if (value !== null && (smallest === null || value < smallest)) smallest = value;
  }
  return smallest;
}

function positiveNumber(text: string): number | null {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** cgroup v1 writes "no limit" as a huge number near 2^63 rounded to pages. */
const V1_UNLIMITED_BYTES = 2 ** 60;

/** Reads the CPU quota and memory limit of this process's cgroup (v2 or v1), and of its ancestors. */
export function readCgroupLimits(roots: CgroupRoots = SYSTEM_CGROUP_ROOTS): CgroupLimits {
  const self = readText(roots.selfCgroupFile);
  if (self === null) return { cpuQuota: null, memoryBytes: null, version: null };
  const lines = self.split("\n").map((line) => line.split(":"));
  // v2: one line "0::/path". A container often shows a path that its own mount does not have:
  // then the mount's root is the container's cgroup.
  const unified = lines.find((fields) => fields[0] === "0" && fields[1] === "");
  const v1 = (controller: string): string[] | undefined => lines.find((fields) => fields[1]?.split(",").includes(controller));
  if (unified && readText(path.join(roots.mountRoot, "cgroup.controllers")) !== null) {
    const folders = foldersUpward(roots.mountRoot, unified.slice(2).join(":"));
    const cpuQuota = smallestLimit(folders, "cpu.max", (text) => {
      const [quota, period] = text.split(/\s+/);
      if (quota === "max") return null;
      const q = positiveNumber(quota ?? "");
      const p = positiveNumber(period ?? "100000");
      return q !== null && p !== null ? q / p : null;
    });
    const memoryBytes = smallestLimit(folders, "memory.max", (text) => (text === "max" ? null : positiveNumber(text)));
    return { cpuQuota, memoryBytes, version: 2 };
  }
  const cpuLine = v1("cpu");
  const memoryLine = v1("memory");
  if (!cpuLine && !memoryLine) return { cpuQuota: null, memoryBytes: null, version: null };
  const v1Folders = (line: string[] | undefined, controller: string): string[] => {
    if (!line) return [];
    const mountNames = [line[1]!, controller, ...(controller === "cpu" ? ["cpu,cpuacct", "cpuacct,cpu"] : [])];
    return [...new Set(mountNames)].flatMap((name) => foldersUpward(path.join(roots.mountRoot, name), line.slice(2).join(":")));
  };
  const cpuFolders = v1Folders(cpuLine, "cpu");
  let cpuQuota: number | null = null;
  for (const folder of cpuFolders) {
    const quota = Number(readText(path.join(folder, "cpu.cfs_quota_us")));
    const period = Number(readText(path.join(folder, "cpu.cfs_period_us")));
    if (quota > 0 && period > 0 && (cpuQuota === null || quota / period < cpuQuota)) cpuQuota = quota / period;
  }
  const memoryBytes = smallestLimit(v1Folders(memoryLine, "memory"), "memory.limit_in_bytes", (text) => {
    const n = positiveNumber(text);
    return n !== null && n < V1_UNLIMITED_BYTES ? n : null;
  });
  return { cpuQuota, memoryBytes, version: 1 };
}

/** What bounds the number of CPUs this process can keep busy at once. */
export type CpuBound = "cores" | "affinity" | "quota";

export interface EffectiveCpus {
  /** Whole CPUs this process can keep busy at once: the smallest of the three below (at least 1). */
  readonly cpus: number;
  /** Which of them binds; "quota" when a container's CPU quota is smaller than the cores it may run on. */
  readonly limitedBy: CpuBound;
  /** Logical cores of the machine. */
  readonly cores: number;
  /** Cores the affinity mask lets this process run on (what `os.availableParallelism()` reports). */
  readonly affinityCores: number;
  /** CPUs' worth of time the cgroup quota allows per period; null without a quota. */
  readonly quotaCpus: number | null;
}

/**
 * Effective CPUs from the three limits. A quota of 1.5 CPUs lets two copies run at once but not
 * at full speed each; it counts as 1, since a speedup claim needs whole cores.
 */
export function effectiveCpus(cores: number, affinityCores: number, quotaCpus: number | null): EffectiveCpus {
  const quotaWhole = quotaCpus === null ? Infinity : Math.max(1, Math.floor(quotaCpus + 1e-9));
  const affinity = Math.min(affinityCores, cores);
  const cpus = Math.max(1, Math.min(cores, affinity, quotaWhole));
  const limitedBy: CpuBound = quotaWhole < affinity ? "quota" : affinity < cores ? "affinity" : "cores";
  return { cpus, limitedBy, cores, affinityCores, quotaCpus };
}

/** One sentence on how many CPUs this process can use and what decides it, for readers. */
export function cpuLimitText(limit: EffectiveCpus): string {
  const usable = `${limit.cpus} CPU${limit.cpus === 1 ? "" : "s"} usable at once`;
  const machine = `the machine has ${limit.cores} logical core${limit.cores === 1 ? "" : "s"}`;
  switch (limit.limitedBy) {
    case "quota":
      return `${usable}: this container's CPU quota allows ${limit.quotaCpus} CPU's worth of time, though ${machine}; speedup claims use ${limit.cpus}`;
    case "affinity":
      return `${usable}: this process may run on ${limit.affinityCores} core${limit.affinityCores === 1 ? "" : "s"} (its CPU affinity), though ${machine}`;
    case "cores":
      return `${usable}: ${machine}${limit.quotaCpus === null ? ", and no CPU quota or affinity mask limits them" : `; the CPU quota (${limit.quotaCpus} CPUs) does not bind`}`;
  }
}
