import * as os from "node:os";
import { effectiveCpus, readCgroupLimits, SYSTEM_CGROUP_ROOTS, type CgroupRoots, type EffectiveCpus } from "./machine-limits";

/** What a timing depends on: the machine, its load and the runtime. */
export interface MachineDescription {
  /**
   * CPUs this process can keep busy at once: the smallest of the machine's logical cores, the
   * affinity mask and a container's CPU quota (cgroup v1 or v2, rounded down to whole CPUs).
   * Every speedup claim uses this count; `cpuLimit` says which of the three binds.
   */
  readonly cores: number;
  /** The three CPU limits and which one binds (a 1-CPU quota on Binder: "quota"). */
  readonly cpuLimit: EffectiveCpus;
  /** The container's memory limit in bytes (cgroup), or null where none is set. */
  readonly memoryLimitBytes: number | null;
  /** CPU model string of the first core, as the OS reports it. */
  readonly cpuModel: string;
  /** Node.js version, e.g. `v20.20.2`. */
  readonly node: string;
  /** V8 version compiled into this Node.js. */
  readonly v8: string;
  /** `linux`, `darwin`, `win32`… and the CPU architecture. */
  readonly platform: string;
  /** Total memory in bytes. */
  readonly totalMemoryBytes: number;
  /** 1, 5 and 15 minute load averages (all zero on Windows). */
  readonly loadAverage: readonly [number, number, number];
}

/** Describes this machine as this process sees it; `cgroupRoots` points the cgroup reading elsewhere (tests). */
export function describeMachine(cgroupRoots: CgroupRoots = SYSTEM_CGROUP_ROOTS): MachineDescription {
  const cpus = os.cpus();
  const [one, five, fifteen] = os.loadavg();
  const limits = process.platform === "linux" ? readCgroupLimits(cgroupRoots) : { cpuQuota: null, memoryBytes: null };
  const cpuLimit = effectiveCpus(Math.max(1, cpus.length), os.availableParallelism(), limits.cpuQuota);
  return {
    cores: cpuLimit.cpus,
    cpuLimit,
    memoryLimitBytes: limits.memoryBytes,
    cpuModel: cpus[0]?.model.trim() || "unknown CPU",
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    totalMemoryBytes: os.totalmem(),
    loadAverage: [one ?? 0, five ?? 0, fifteen ?? 0],
  };
}
