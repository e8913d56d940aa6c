import assert from "node:assert/strict";
import { accessSync, constants, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../tools/paths";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import { readNotebook } from "../../tools/runner/nbformat";

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** PyPI spells the same package with - or _ or ., in any case. */
const canonical = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MIN_PYTHON } = require(path.join(PROJECT_ROOT, "scripts", "setup.cjs")) as { MIN_PYTHON: [number, number] };

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

  it("environment.yml installs Python at setup's minimum, Node.js of package.json's engines, and pip installs exactly requirements.txt", () => {
    const env = parse(read("environment.yml")) as CondaEnvironment;
    assert.deepEqual(env.channels, ["conda-forge"]);
    const conda = env.dependencies.filter((dep): dep is string => typeof dep === "string");
    const pip = env.dependencies.filter((dep): dep is { pip: string[] } => typeof dep === "object" && dep !== null && "pip" in dep);
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    assert.deepEqual(conda, [`python=${MIN_PYTHON.join(".")}`, `nodejs=${engines.replace(/^>=/, "")}`, "pip"]);
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
