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
 * Raises this process's open-file limit so that `wanted` files and sockets fit, with util-linux's
 * `prlimit`, and says clearly what it could and could not do. Node already raises its soft limit
 * to the hard limit when it starts, so this mostly matters past the hard limit: raising that needs
 * privileges (root with CAP_SYS_RESOURCE); without them the limit stays and the note says why.
 */
export function raiseFileLimit(wanted: number): FileLimitChange {
  checkInteger("wanted", wanted, 1, MAX_WANTED, "pass how many files and sockets must be open at once, e.g. 10_000 + 1_000");
  const before = fileLimit();
  if (!before) return { soft: 0, hard: 0, wanted, enough: false, note: "this OS does not report open-file limits here; the experiment may hit one" };
  if (before.soft >= wanted) return { ...before, wanted, enough: true, note: `the open-file limit (${before.soft}) is already enough` };
  const text = (n: number): string => (n === Number.POSITIVE_INFINITY ? "unlimited" : String(n));
  let refusal: string | undefined;
  const prlimit = (soft: number, hard: number): boolean => {
    const result = spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${text(soft)}:${text(hard)}`], { encoding: "utf8" });
    if (result.error) refusal = "prlimit (util-linux) is not installed";
    else if (result.status !== 0) refusal = `prlimit refused: ${result.stderr.trim().replace(/^prlimit: /, "") || `exit ${result.status}`}`;
    else return true;
    return false;
  };
  if (wanted <= before.hard) {
    prlimit(wanted, before.hard);
  } else if (!prlimit(wanted, wanted) && before.soft < before.hard && refusal?.startsWith("prlimit refused")) {
    // The hard limit could not be raised: settle for it.
    const why = refusal;
    prlimit(before.hard, before.hard);
    refusal = why;
  }
  const after = fileLimit() ?? before;
  const enough = after.soft >= wanted;
  const how = after.soft > before.soft ? `raised it from ${before.soft} to ${after.soft}` : `it stayed at ${after.soft}`;
  if (enough) return { ...after, wanted, enough, note: `open-file limit: ${how}${after.hard > before.hard ? ` (and the hard limit from ${text(before.hard)})` : ""}` };
  const hardNote =
    after.soft >= after.hard
      ? `the hard limit (${text(after.hard)}) could not be raised${refusal ? ` (${refusal})` : ""}: only an administrator can raise it ` +
        "(ulimit -Hn as root, /etc/security/limits.conf, or the container's settings)"
      : refusal ?? "the OS did not change it";
  return { ...after, wanted, enough, note: `open-file limit ${after.soft} is below the ${wanted} wanted: ${how}; ${hardNote}. Fewer connections will fit` };
}
