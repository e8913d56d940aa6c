import assert from "node:assert/strict";
import { accessSync, constants, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../tools/paths";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import { readNotebook } from "../../tools/runner/nbformat";

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** PyPI and conda-forge spell the same package with - or _, in any case. */
const canonical = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");

function requirements(): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of read("requirements.txt").split("\n")) {
    const text = line.replace(/#.*/, "").trim();
    if (!text) continue;
    const match = /^([A-Za-z0-9_.-]+)==([A-Za-z0-9.]+)$/.exec(text);
    assert.ok(match, `requirements.txt line "${text}" must pin an exact version as name==version`);
    pins.set(canonical(match[1]!), match[2]!);
  }
  return pins;
}

function condaDependencies(): Map<string, string> {
  const env = parse(read("environment.yml")) as { channels: string[]; dependencies: unknown[] };
  assert.deepEqual(env.channels, ["conda-forge"]);
  const deps = new Map<string, string>();
  for (const dep of env.dependencies) {
    assert.equal(typeof dep, "string", "environment.yml lists conda packages only (no pip section)");
    const match = /^([A-Za-z0-9_.-]+)=([A-Za-z0-9.]+)$/.exec(String(dep));
    assert.ok(match, `environment.yml dependency "${String(dep)}" must pin a version as name=version`);
    deps.set(canonical(match[1]!), match[2]!);
  }
  return deps;
}

describe("Binder configuration agrees with the local set-up", () => {
  it("requirements.txt pins the Jupyter stack the issue asks for", () => {
    const pins = requirements();
    assert.match(pins.get("jupyterlab") ?? "", /^4\./);
    assert.match(pins.get("nbconvert") ?? "", /^7\./);
    assert.match(pins.get("jupyter-server") ?? "", /^2\./);
    for (const name of ["plotly", "jupyter-client", "ipython"]) assert.ok(pins.has(name), `${name} is pinned`);
  });

  it("environment.yml has the same packages at the same versions, plus python and nodejs 20", () => {
    const conda = condaDependencies();
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    assert.equal(conda.get("nodejs"), engines.replace(/^>=/, ""));
    assert.ok(conda.has("python"));
    conda.delete("nodejs");
    conda.delete("python");
    assert.deepEqual(new Map([...conda].sort()), new Map([...requirements()].sort()));
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
