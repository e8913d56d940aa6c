import * as path from "node:path";

/** The repository root (this file compiles to build/tools/paths.js). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const NOTEBOOKS_DIR = path.join(PROJECT_ROOT, "notebooks");
export const VENV_DIR = path.join(PROJECT_ROOT, ".venv");

/** Path of an executable inside the project's Python virtual environment. */
export function venvExecutable(name: string): string {
  return path.join(VENV_DIR, process.platform === "win32" ? "Scripts" : "bin", name);
}

/**
 * The environment for Jupyter and its kernels: the venv's bin and this Node first on PATH. With
 * `scratchDir`, the files Jupyter, IPython and tslab would otherwise write under HOME (data, runtime and
 * connection files, IPython's profile, npm's cache and logs) go there instead.
 */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env, scratchDir?: string): NodeJS.ProcessEnv {
  const extra = [path.dirname(venvExecutable("python")), path.dirname(process.execPath)];
  const scratch = scratchDir
    ? { JUPYTER_DATA_DIR: path.join(scratchDir, "data"), JUPYTER_RUNTIME_DIR: path.join(scratchDir, "runtime"), IPYTHONDIR: path.join(scratchDir, "ipython"), npm_config_cache: path.join(scratchDir, "npm") }
    : {};
  return { ...base, PATH: [...extra, base.PATH ?? ""].join(path.delimiter), JUPYTER_PLATFORM_DIRS: "1", ...scratch };
}
