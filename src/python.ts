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
 * Returns `null` when none of them is a CPython at least {@link MIN_PYTHON}. Its `gil` comes from
 * a separate `python -c` probe; what the interpreter of a run reported is on its results
 * (`pythonInterpreterOf(result)`, or `interpreter` on a CPython measurement).
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

/**
 * What a CPython interpreter said about itself while it ran an experiment: the state that counts
 * for a verdict, rather than what a separate `python -c` probe saw (see {@link findPython}).
 */
export interface PythonInterpreter {
  /** e.g. `3.11.7`. */
  readonly version: string;
  /** Whether the GIL was on in that interpreter at run time: `sys._is_gil_enabled()` where it exists (3.13+), else true. */
  readonly gil: boolean;
  /** Whether it is a free-threaded build (`sysconfig.get_config_var("Py_GIL_DISABLED")`), whether or not the GIL was turned back on. */
  readonly freeThreadedBuild: boolean;
  /** `sys.getswitchinterval()`: how long (s) a thread may hold the GIL before another that waits for it asks for it. */
  readonly switchIntervalS: number;
  /** multiprocessing's start method there (`fork`, `spawn`, `forkserver`): what a new process costs depends on it. */
  readonly startMethod: string;
  /** `sys.executable`. */
  readonly executable: string;
}

/**
 * Reads what conclab's Python scripts report as `interpreter` (or the reference script's prepare
 * reply, which names the start method `start_method`); throws when a field is missing.
 */
export function readInterpreter(raw: unknown, who: string): PythonInterpreter {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (name: string, value: unknown): string => {
    if (typeof value !== "string") throw new Error(`${who} reported no ${name} of its interpreter (got ${JSON.stringify(value)})`);
    return value;
  };
  const seconds = (value: unknown): number => {
    if (typeof value !== "number") throw new Error(`${who} reported no switch interval of its interpreter (got ${JSON.stringify(value)})`);
    return value;
  };
  if (typeof r.gil !== "boolean") throw new Error(`${who} did not report whether the GIL was on (got ${JSON.stringify(r.gil)})`);
  return {
    version: text("version", r.version ?? r.python),
    gil: r.gil,
    freeThreadedBuild: r.freeThreadedBuild === true,
    switchIntervalS: seconds(r.switchIntervalS),
    startMethod: text("start method", r.startMethod ?? r.start_method),
    executable: typeof r.executable === "string" ? r.executable : "",
  };
}
