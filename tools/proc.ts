/**
 * Process bookkeeping through /proc (Linux): which processes descend from a pid, and how many
 * threads a process has. Used to prove that nothing an experiment or a kernel started is left.
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly threads: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: parse after its last ')'.
    const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    // After the name: state(3) ppid(4) … num_threads(20) → indices 0, 1, …, 17.
    return { pid, ppid: Number(fields[1]), threads: Number(fields[17]) };
  } catch {
    return null; // the process ended while we looked
  }
}

function allStats(): ProcStat[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== null);
}

/** Every live process below `pid` (children, grandchildren, …), not `pid` itself. */
export function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const stat of allStats()) {
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat.pid);
    byParent.set(stat.ppid, siblings);
  }
  const found: number[] = [];
  const queue = [...(byParent.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(byParent.get(next) ?? []));
  }
  return found;
}

/** Number of threads of a live process, or 0 when it is gone. */
export function threadCount(pid: number): number {
  return readStat(pid)?.threads ?? 0;
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    return raw.slice(raw.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring processes that are already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
