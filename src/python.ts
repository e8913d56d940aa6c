import { spawnSync } from "node:child_process";

/** A CPython interpreter found on this machine. */
export interface PythonInfo {
  /** The command that runs it (a path or a name on PATH). */
  readonly command: string;
  /** Its version, e.g. `3.11.7`. */
  readonly version: string;
  /** Whether this build has the GIL (every CPython before 3.13, and default builds since). */
  readonly gil: boolean;
}

/** The oldest CPython the course's reference runs are written for. */
export const MIN_PYTHON: readonly [number, number] = [3, 8];

const PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(getattr(sys, '_is_gil_enabled', lambda: True)())";

/**
 * Finds a Python 3 interpreter: `$CONCLAB_PYTHON` if set, else `python3`, else `python` on PATH.
 * Returns `null` when none of them is a CPython at least {@link MIN_PYTHON}.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env): PythonInfo | null {
  const candidates = env.CONCLAB_PYTHON ? [env.CONCLAB_PYTHON] : ["python3", "python"];
  for (const command of candidates) {
    const probe = spawnSync(command, ["-c", PROBE], { encoding: "utf8", timeout: 10_000, env });
    if (probe.status !== 0 || typeof probe.stdout !== "string") continue;
    const [version = "", gil = "True"] = probe.stdout.trim().split(/\r?\n/);
    const [major = 0, minor = 0] = version.split(".").map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) {
      return { command, version, gil: gil.trim() !== "False" };
    }
  }
  return null;
}
