/**
 * How much of the machine other programs used while an experiment ran. A parallel speedup needs
 * free cores: when another program holds them, a low speedup says nothing about the strategy.
 * Linux only (/proc); elsewhere the meter reports null.
 */
import { readdirSync, readFileSync } from "node:fs";

interface Sample {
  /** Jiffies all CPUs spent busy, and in all; of those, jiffies the hypervisor gave to other guests (steal). */
  readonly busy: number;
  readonly total: number;
  readonly steal: number;
  /** Jiffies this process and every process below it spent on CPU. */
  readonly ours: number;
}

function systemJiffies(): { busy: number; total: number; steal: number } | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total, steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** utime + stime of every process in the tree rooted at `root` (jiffies). */
function treeJiffies(root: number): number {
  const parent = new Map<number, number>();
  const used = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const raw = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(fields[1]));
      used.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 0 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, jiffies] of used) if (inTree(pid)) sum += jiffies;
  return sum;
}

function sample(): Sample | null {
  const system = systemJiffies();
  return system ? { ...system, ours: treeJiffies(process.pid) } : null;
}

/** Measures, between start() and stop(), the share of all CPU time that other programs used. */
export class ContentionMeter {
  private first: Sample | null = null;

  start(): void {
    this.first = sample();
  }

  /**
   * `foreign`: share (0 to 1) of the machine's CPU time used by programs outside this process tree.
   * `coresBusy`: how many CPUs this process tree kept busy on average (its CPU time over the elapsed
   * time of one CPU): about 1 for one busy thread, about k for k threads or processes working at
   * once, whatever speed each ran at. `steal`: share of the machine's CPU time that the hypervisor
   * held back for other virtual machines (0 on bare metal): CPU denied to everyone here. All null
   * where unknown.
   */
  stop(): { foreign: number | null; coresBusy: number | null; steal: number | null } {
    const last = sample();
    if (!this.first || !last) return { foreign: null, coresBusy: null, steal: null };
    const total = last.total - this.first.total;
    if (total <= 0) return { foreign: null, coresBusy: null, steal: null };
    const ours = last.ours - this.first.ours;
    // Steal counts as busy in /proc/stat but is nobody's work here: it is reported apart.
    const steal = last.steal - this.first.steal;
    const foreign = last.busy - this.first.busy - ours - steal;
    // /proc/stat counts every CPU of the machine: total / cpus is the elapsed time of one CPU.
    const perCpu = total / onlineCpus();
    const share = (jiffies: number): number => Math.min(1, Math.max(0, jiffies / total));
    return { foreign: share(foreign), coresBusy: Math.max(0, ours / perCpu), steal: share(steal) };
  }
}

/** CPUs that /proc/stat's first line adds up (the "cpuN" lines). */
function onlineCpus(): number {
  try {
    return Math.max(1, readFileSync("/proc/stat", "utf8").split("\n").filter((line) => /^cpu\d+ /.test(line)).length);
  } catch {
    return 1;
  }
}
