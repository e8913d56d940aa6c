/**
 * Physical against logical cores: Linux lists each logical CPU under /sys/devices/system/cpu with
 * the physical core and package it sits on; two logical CPUs on one physical core (SMT,
 * "hyper-threads") share its execution units. Elsewhere, or where the files are hidden (some
 * containers), the physical count is unknown (null), never guessed.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const SYSTEM_CPU_ROOT = "/sys/devices/system/cpu";

export interface CpuTopology {
  /** Logical CPUs listed by the OS (online ones where the OS says which). */
  readonly logical: number;
  /** Distinct (package, core) pairs among them; null where the topology cannot be read. */
  readonly physical: number | null;
  /** Distinct packages (sockets); null where unknown. */
  readonly packages: number | null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/** The CPUs named by a Linux CPU list such as "0-3,6" (null if it cannot be read). */
export function parseCpuList(text: string): number[] | null {
  const cpus: number[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Reads the topology under `root` (tests point it at a fake tree). */
export function readCpuTopology(root: string = SYSTEM_CPU_ROOT, fallbackLogical = 1): CpuTopology {
  let cpus: number[] | null = null;
  const online = readText(path.join(root, "online"));
  if (online !== null) cpus = parseCpuList(online);
  if (cpus === null) {
    try {
      cpus = readdirSync(root).map((name) => /^cpu(\d+)$/.exec(name)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
    } catch {
      cpus = null;
    }
  }
  if (cpus === null || cpus.length === 0) return { logical: fallbackLogical, physical: null, packages: null };
  const cores = new Set<string>();
  const packages = new Set<string>();
  for (const cpu of cpus) {
    const dir = path.join(root, `cpu${cpu}`, "topology");
    const core = readText(path.join(dir, "core_id"));
    const pkg = readText(path.join(dir, "physical_package_id"));
    if (core === null || pkg === null) return { logical: cpus.length, physical: null, packages: null };
    cores.add(`${pkg}:${core}`);
    packages.add(pkg);
  }
  return { logical: cpus.length, physical: cores.size, packages: packages.size };
}
