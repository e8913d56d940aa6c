/**
 * Where the tests find a free-threaded CPython (a 3.13t/3.14t build, GIL disabled):
 * `$CONCLAB_FREE_THREADED_PYTHON`, else the build that `npm run free-threaded-python` caches under
 * `$XDG_CACHE_HOME/conclab` (default `~/.cache/conclab`). Where none is there, the tests that need
 * one are skipped and say why, unless `CONCLAB_REQUIRE_FREE_THREADED=1` (set by CI), where a
 * missing build fails them.
 */
import { existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The folder the build script installs into (kept in step with scripts/free-threaded-python.cjs). */
export const FREE_THREADED_BUILD = "cpython-3.13.5-freethreaded";

export function freeThreadedPythonPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONCLAB_FREE_THREADED_PYTHON) return env.CONCLAB_FREE_THREADED_PYTHON;
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "conclab", FREE_THREADED_BUILD, "bin", "python3.13t");
}

/**
 * The free-threaded interpreter's path, or a skip message for `it(..., { skip })`. Throws when CI
 * requires one and it is missing, so that a missing build never passes as a skip.
 */
export function freeThreadedPython(env: NodeJS.ProcessEnv = process.env): { python: string; skip: false } | { python: null; skip: string } {
  const python = freeThreadedPythonPath(env);
  if (existsSync(python)) return { python, skip: false };
  if (env.CONCLAB_REQUIRE_FREE_THREADED === "1") {
    throw new Error(`CONCLAB_REQUIRE_FREE_THREADED=1 but no free-threaded CPython at ${python}; build it with \`npm run free-threaded-python\` or set CONCLAB_FREE_THREADED_PYTHON`);
  }
  return { python: null, skip: `no free-threaded CPython at ${python} (build it with \`npm run free-threaded-python\`)` };
}
