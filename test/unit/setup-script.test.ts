import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";

interface SetupModule {
  findVenvPython(env: NodeJS.ProcessEnv): { command: string; version: string; skipped?: string };
  tslabPatched(file?: string): boolean;
  venvState(dir: string, stamp: string): "missing" | "half-built" | "outdated" | "ready";
  SetupError: new (message: string) => Error;
}
const setup = require(path.join(PROJECT_ROOT, "scripts", "setup.cjs")) as SetupModule;

const scratch = mkdtempSync(path.join(tmpdir(), "conclab-setup-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function fakePython(version: string): string {
  const file = path.join(scratch, `python-${version}`);
  writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("set-up: finding Python", () => {
  it("names the fix when no Python is found", () => {
    assert.throws(() => setup.findVenvPython({ ...process.env, CONCLAB_PYTHON: "/nonexistent/python3" }), {
      message: /^conclab needs Python 3\.11 or newer and found none\. Install Python 3 .* or point CONCLAB_PYTHON at one, then rerun\.$/,
    });
  });

  it("says which Python it found when that one is too old", () => {
    // 3.10 runs JupyterLab but not the locked IPython 9: refused here, not halfway through pip.
    const old = fakePython("3.10.12");
    assert.throws(() => setup.findVenvPython({ ...process.env, CONCLAB_PYTHON: old }), {
      message: new RegExp(`found none \\(${old.replace(/[.]/g, "\\.")} is 3\\.10\\.12\\)`),
    });
  });

  it("accepts a new enough Python", () => {
    const ok = fakePython("3.12.1");
    assert.deepEqual(setup.findVenvPython({ ...process.env, CONCLAB_PYTHON: ok }), { command: ok, version: "3.12.1" });
  });

  it("builds the venv from python3 when CONCLAB_PYTHON is a free-threaded CPython, and says why", () => {
    const bin = path.join(scratch, "free-threaded-bin");
    mkdirSync(bin, { recursive: true });
    const freeThreaded = path.join(bin, "python3.13t");
    writeFileSync(freeThreaded, "#!/bin/sh\necho 3.13.5\necho 1\n");
    writeFileSync(path.join(bin, "python3"), "#!/bin/sh\necho 3.12.1\necho 0\n");
    chmodSync(freeThreaded, 0o755);
    chmodSync(path.join(bin, "python3"), 0o755);
    assert.deepEqual(setup.findVenvPython({ PATH: bin, CONCLAB_PYTHON: freeThreaded }), {
      command: "python3",
      version: "3.12.1",
      skipped: "CONCLAB_PYTHON is a free-threaded CPython 3.13.5: the course's CPython experiments run on it, Jupyter's environment on another Python",
    });
    rmSync(path.join(bin, "python3"));
    assert.throws(() => setup.findVenvPython({ PATH: bin, CONCLAB_PYTHON: freeThreaded }), {
      message: /^conclab needs Python 3\.11 or newer and found none\. CONCLAB_PYTHON is a free-threaded CPython 3\.13\.5: .*, and none was found\. Install Python 3/,
    });
  });
});

describe("set-up: the state of .venv", () => {
  const venv = (name: string): string => path.join(scratch, name);
  const realPython = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();

  it("is missing when there is no folder", () => {
    assert.equal(setup.venvState(venv("none"), "x"), "missing");
  });

  it("is half-built when an install never finished (no stamp)", () => {
    mkdirSync(path.join(venv("interrupted"), "bin"), { recursive: true });
    assert.equal(setup.venvState(venv("interrupted"), "x"), "half-built");
  });

  it("is half-built when its Python no longer runs", () => {
    mkdirSync(path.join(venv("broken"), "bin"), { recursive: true });
    writeFileSync(path.join(venv("broken"), ".conclab-setup"), "x");
    symlinkSync("/nonexistent/python3.11", path.join(venv("broken"), "bin", "python"));
    assert.equal(setup.venvState(venv("broken"), "x"), "half-built");
  });

  it("is ready or outdated by its stamp when its Python runs", () => {
    mkdirSync(path.join(venv("good"), "bin"), { recursive: true });
    writeFileSync(path.join(venv("good"), ".conclab-setup"), "requirements v1");
    symlinkSync(realPython, path.join(venv("good"), "bin", "python"));
    assert.equal(setup.venvState(venv("good"), "requirements v1"), "ready");
    assert.equal(setup.venvState(venv("good"), "requirements v2"), "outdated");
  });
});

describe("set-up: tslab's send-race patch", () => {
  it("is there for the installed tslab version, and the installed tslab carries it", () => {
    const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "node_modules", "tslab", "package.json"), "utf8")) as { version: string }).version;
    const patch = readFileSync(path.join(PROJECT_ROOT, "patches", `tslab+${version}.patch`), "utf8");
    assert.match(patch, /sendInOrder/, "the patch queues sends");
    assert.ok(setup.tslabPatched(), "node_modules/tslab/dist/jupyter.js is patched");
  });

  it("is reported missing on tslab's file as published", () => {
    const unpatched = path.join(scratch, "jupyter.js");
    writeFileSync(unpatched, "sock.send(heads.concat(bodies));\n");
    assert.equal(setup.tslabPatched(unpatched), false);
    assert.equal(setup.tslabPatched(path.join(scratch, "no-such-file.js")), false);
  });
});

describe("set-up and start from the command line", () => {
  it("fails with one line and no stack trace when Python is missing", () => {
    const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "setup.cjs")], {
      env: { ...process.env, CONCLAB_PYTHON: "/nonexistent/python3" },
      encoding: "utf8",
    });
    assert.equal(run.status, 1);
    const lines = run.stderr.trim().split("\n");
    assert.match(lines[lines.length - 1]!, /^setup: conclab needs Python 3\.11 or newer/);
    assert.equal(lines.filter((l) => /^\s+at /.test(l)).length, 0, "no stack trace");
  });
});
