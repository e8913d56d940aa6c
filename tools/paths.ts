import * as path from "node:path";

/** The repository root (this file compiles to build/tools/paths.js). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const NOTEBOOKS_DIR = path.join(PROJECT_ROOT, "notebooks");
export const VENV_DIR = path.join(PROJECT_ROOT, ".venv");

/** Path of an executable inside the project's Python virtual environment. */
export function venvExecutable(name: string): string {
  return path.join(VENV_DIR, process.platform === "win32" ? "Scripts" : "bin", name);
}

/** The environment for Jupyter and its kernels: the venv's bin and this Node first on PATH. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const extra = [path.dirname(venvExecutable("python")), path.dirname(process.execPath)];
  return { ...base, PATH: [...extra, base.PATH ?? ""].join(path.delimiter), JUPYTER_PLATFORM_DIRS: "1" };
}
