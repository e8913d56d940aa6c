/** The open-file limit that caps concurrent sockets, and raising it where the OS allows. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { checkInteger } from "../errors";

/** Largest limit asked for: Linux caps open files at fs.nr_open (1,048,576 by default). */
const MAX_WANTED = 2 ** 30;

export interface FileLimit {
  /** The limit in force. */
  readonly soft: number;
  /** The most the soft limit may be raised to without privileges. */
  readonly hard: number;
}

export interface FileLimitChange extends FileLimit {
  readonly wanted: number;
  /** Whether the soft limit is now at least `wanted`. */
  readonly enough: boolean;
  /** What happened, in a sentence for the reader. */
  readonly note: string;
}

/** This process's open-file limits from /proc (Linux); null where the OS does not say. */
export function fileLimit(): FileLimit | null {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!line) return null;
    const value = (text: string): number => (text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text));
    return { soft: value(line[1]!), hard: value(line[2]!) };
  } catch {
    return null;
  }
}

/**
 * Raises this process's soft open-file limit to `wanted` (or to the hard limit, if lower) with
 * util-linux's `prlimit`, and says clearly what it could and could not do.
 */
export function raiseFileLimit(wanted: number): FileLimitChange {
  checkInteger("wanted", wanted, 1, MAX_WANTED, "pass how many files and sockets must be open at once, e.g. 10_000 + 1_000");
  const before = fileLimit();
  if (!before) return { soft: 0, hard: 0, wanted, enough: false, note: "this OS does not report open-file limits here; the experiment may hit one" };
  if (before.soft >= wanted) return { ...before, wanted, enough: true, note: `the open-file limit (${before.soft}) is already enough` };
  const target = Math.min(wanted, before.hard);
  const result = spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${target}:${before.hard === Number.POSITIVE_INFINITY ? "unlimited" : before.hard}`], { encoding: "utf8" });
  const after = fileLimit() ?? before;
  const enough = after.soft >= wanted;
  const how = result.error
    ? "prlimit is not installed (util-linux), so it stayed"
    : result.status !== 0
      ? `prlimit refused (${result.stderr.trim() || `exit ${result.status}`}), so it stayed`
      : `raised it from ${before.soft} to ${after.soft}`;
  const note = enough
    ? `open-file limit: ${how}`
    : `open-file limit ${after.soft} is below the ${wanted} wanted (hard limit ${before.hard}); ${how}. Fewer connections will fit`;
  return { ...after, wanted, enough, note };
}
