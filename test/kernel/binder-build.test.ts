/**
 * Binder's build, replayed as far as this machine allows. repo2docker copies the repository,
 * builds environment.yml into a fresh prefix, puts that prefix first on PATH and runs postBuild
 * in the copy. conda-forge cannot be reached here, so the prefix is a fresh virtual environment
 * with environment.yml's pip section installed into it, and Node.js is the one running this test
 * (CI runs the suite on each supported Node). Then 00-index is executed by nbconvert from that
 * prefix, on the kernelspec postBuild installed there, as a reader's first cell would run.
 */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../tools/paths";

const setup = require(path.join(PROJECT_ROOT, "scripts", "setup.cjs")) as {
  findVenvPython(): { command: string; version: string };
  tslabPatched(file: string): boolean;
};

const scratch = mkdtempSync(path.join(tmpdir(), "conclab-binder-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function check(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} failed (exit ${result.status}):\n${(result.stdout ?? "").slice(-3000)}\n${(result.stderr ?? "").slice(-3000)}`);
  return result.stdout;
}

/** The repository as repo2docker gets it: tracked files and new files git does not ignore. */
function copyRepository(to: string): void {
  const listed = check(spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_ROOT, encoding: "utf8" }), "git ls-files");
  for (const file of listed.split("\0").filter(Boolean)) {
    const from = path.join(PROJECT_ROOT, file);
    if (!existsSync(from)) continue; // deleted in the work tree, not yet committed
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    copyFileSync(from, path.join(to, file));
  }
}

describe("Binder's build (environment.yml, then postBuild) in a fresh prefix", () => {
  const prefix = path.join(scratch, "env");
  const repo = path.join(scratch, "repo");
  const home = path.join(scratch, "home");
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    HOME: home,
    PATH: [path.join(prefix, "bin"), path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
    // Only the prefix's Jupyter folders: no kernelspec from the developer's own set-up can stand in.
    JUPYTER_PATH: "",
    JUPYTER_DATA_DIR: path.join(home, "jupyter-data"),
    JUPYTER_CONFIG_DIR: path.join(home, "jupyter-config"),
    JUPYTER_RUNTIME_DIR: path.join(home, "jupyter-runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
    VIRTUAL_ENV: prefix,
    // The download caches of the real HOME, so the replay fetches no more than it must.
    npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? home, ".npm"),
    PIP_CACHE_DIR: process.env.PIP_CACHE_DIR ?? path.join(process.env.HOME ?? home, ".cache", "pip"),
  });

  it("builds: the environment, npm ci with the tslab patch, the build, the kernelspec and Lab's overrides", { timeout: 900_000 }, () => {
    mkdirSync(home, { recursive: true });
    copyRepository(repo);
    const python = setup.findVenvPython();
    check(spawnSync(python.command, ["-m", "venv", prefix], { encoding: "utf8" }), "creating the prefix");
    // conda-forge's part of environment.yml (python, nodejs, pip) is what this machine has; its pip part is installed as Binder does.
    const spec = parse(readFileSync(path.join(repo, "environment.yml"), "utf8")) as { dependencies: (string | { pip: string[] })[] };
    const pipSection = spec.dependencies.find((d): d is { pip: string[] } => typeof d === "object" && "pip" in d);
    assert.ok(pipSection && pipSection.pip.length > 50, "environment.yml has the locked pip section");
    check(
      spawnSync(path.join(prefix, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "-q", ...pipSection.pip], { encoding: "utf8", env: env(), maxBuffer: 64 * 1024 * 1024 }),
      "pip install of environment.yml's pip section",
    );
    symlinkSync(process.execPath, path.join(prefix, "bin", "node"));
    check(spawnSync("bash", ["postBuild"], { cwd: repo, encoding: "utf8", env: env(), maxBuffer: 64 * 1024 * 1024 }), "postBuild");

    assert.ok(setup.tslabPatched(path.join(repo, "node_modules", "tslab", "dist", "jupyter.js")), "npm ci applied the tslab patch");
    const kernelspec = JSON.parse(readFileSync(path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8")) as { argv: string[] };
    assert.equal(kernelspec.argv[0], path.join(repo, "node_modules", ".bin", "tslab"), "the kernelspec runs the copy's tslab");
    const listed = JSON.parse(check(spawnSync(path.join(prefix, "bin", "jupyter"), ["kernelspec", "list", "--json"], { encoding: "utf8", env: env() }), "jupyter kernelspec list")) as {
      kernelspecs: Record<string, { resource_dir: string }>;
    };
    assert.equal(listed.kernelspecs.tslab?.resource_dir, path.join(prefix, "share", "jupyter", "kernels", "tslab"), "Jupyter finds tslab in the prefix");
    assert.equal(
      readFileSync(path.join(prefix, "share", "jupyter", "lab", "settings", "overrides.json"), "utf8"),
      readFileSync(path.join(repo, "lab", "overrides.json"), "utf8"),
      "Lab's settings overrides are in the prefix",
    );
  });

  it("executes 00-index on the kernelspec the build installed", { timeout: 600_000 }, () => {
    assert.ok(existsSync(path.join(prefix, "share", "jupyter", "kernels", "tslab")), "the build test ran first");
    const out = path.join(scratch, "executed");
    check(
      spawnSync(
        path.join(prefix, "bin", "jupyter"),
        ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300", "--output-dir", out, path.join(repo, "notebooks", "00-index.ipynb")],
        { cwd: path.join(repo, "notebooks"), encoding: "utf8", env: env() },
      ),
      "nbconvert --execute 00-index",
    );
    const notebook = JSON.parse(readFileSync(path.join(out, "00-index.ipynb"), "utf8")) as {
      cells: { cell_type: string; outputs?: { output_type: string; name?: string; data?: Record<string, unknown> }[] }[];
    };
    const outputs = notebook.cells.flatMap((cell) => cell.outputs ?? []);
    assert.deepEqual(outputs.filter((o) => o.output_type === "error" || o.name === "stderr"), [], "no cell failed");
    assert.ok(outputs.some((o) => o.output_type === "display_data" && o.data?.["application/vnd.plotly.v1+json"]), "its figure was shown");
  });
});
