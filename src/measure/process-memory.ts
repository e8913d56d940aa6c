/** Memory of a process as Linux reports it in /proc/<pid>/smaps_rollup; undefined elsewhere. */
import { readFileSync } from "node:fs";

/** `Pss` (its share of pages it shares with others) or `Rss` of process `pid` ("self": this one), in bytes. */
export function processMemoryBytes(pid: number | "self", field: "Pss" | "Rss"): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
