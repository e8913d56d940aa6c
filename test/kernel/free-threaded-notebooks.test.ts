/**
 * The course on a real free-threaded CPython: each notebook of FREE_THREADED_NOTEBOOKS runs in a
 * tslab kernel whose CONCLAB_PYTHON is the free-threaded build (`npm run free-threaded-python`
 * caches it; CONCLAB_FREE_THREADED_PYTHON names another), and its saved results and outputs must
 * say that the experiments ran with the GIL off, and that no claim about the GIL was decided on
 * them. Skipped where no build is there, unless CONCLAB_REQUIRE_FREE_THREADED=1 (CI): then a
 * missing build fails.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { PythonInterpreter } from "conclab";
import { judging, loadResults, type SectionResults } from "conclab/course";
import { executeNotebook } from "../../tools/runner/execute-notebook";
import { JupyterServer } from "../../tools/runner/jupyter-server";
import { type Notebook, type Output } from "../../tools/runner/nbformat";
import { NOTEBOOKS_DIR } from "../../tools/paths";
import { freeThreadedPython } from "../helpers/free-threaded";
import { ProcessWatch } from "../helpers/processes";

/** The notebooks run on the free-threaded build. */
export const FREE_THREADED_NOTEBOOKS: readonly string[] = ["02-the-gil", "14-cpython-today"];

const outputsOf = (nb: Notebook): Output[] => nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : []));
/** Everything a notebook printed or displayed as text. */
const textOf = (nb: Notebook): string =>
  outputsOf(nb)
    .map((o) => (o.output_type === "stream" ? o.text : o.output_type === "display_data" || o.output_type === "execute_result" ? Object.values(o.data).filter((v) => typeof v === "string").join("\n") : ""))
    .join("\n");

const NO_GIL = "GIL disabled while it ran";

/** Per notebook, what its saved results and outputs must show beyond what every one is checked for. */
const CHECKS: Readonly<Record<string, (saved: SectionResults, text: string, python: string) => void>> = {
  "02-the-gil": (saved, text, python) => {
    const interpreter = saved.data.pythonInterpreter as PythonInterpreter | null;
    assert.ok(interpreter, "02 saves the interpreter its CPython experiment reported");
    assert.deepEqual([interpreter.gil, interpreter.freeThreadedBuild], [false, true], "the count ran on a free-threaded build with its GIL off");
    assert.equal(realpathSync(interpreter.executable), realpathSync(python), "the interpreter CONCLAB_PYTHON names ran it");
    const byId = new Map(saved.claims.map((c) => [c.id, c]));
    for (const id of ["gil.threads", "gil.c-code"]) {
      const claim = byId.get(id);
      assert.ok(claim, `${id} saved`);
      assert.equal(claim.verdict, "not measured", `${id}: ${claim.reason}`);
      assert.match(claim.reason, new RegExp(`^CPython \\d+\\.\\d+\\.\\d+ \\(a free-threaded build, ${NO_GIL}\\) ran these threads, so the lock this claim is about was not there`));
    }
    const processes = byId.get("gil.processes")!;
    if (processes.verdict === "holds") assert.match(processes.reason, /so no process had a GIL to hold/);
    assert.match(text, new RegExp(`^Here, 2 copies on \\d+ usable CPUs?, run by CPython \\d+\\.\\d+\\.\\d+ \\(a free-threaded build, ${NO_GIL}\\): `, "m"), "the caption under the CPython figure names the interpreter and its GIL");
    assert.match(text, /This run cannot answer it \(not measured\): CPython \d+\.\d+\.\d+ \(a free-threaded build/, "the reveal says why the prediction cannot be answered");
  },
  "14-cpython-today": (saved, text, python) => {
    const interpreter = saved.data.interpreter as PythonInterpreter | null;
    assert.ok(interpreter, "14 saves the interpreter its experiments reported");
    assert.deepEqual([interpreter.gil, interpreter.freeThreadedBuild], [false, true], "14's experiments ran on a free-threaded build with its GIL off");
    assert.equal(realpathSync(interpreter.executable), realpathSync(python), "the interpreter CONCLAB_PYTHON names ran them");
    // Decided on the real build (which way depends on the run), never "not measured" as on a standard build.
    const counter = saved.claims.find((c) => c.id === "cpython.free-counter");
    assert.ok(counter && counter.verdict !== "not measured", `cpython.free-counter was judged on the free-threaded build: ${counter?.reason}`);
    assert.match(text, new RegExp(`Ran on CPython \\d+\\.\\d+\\.\\d+ \\(a free-threaded build, ${NO_GIL}\\).*the same binary also ran it with \`-X gil=1\`: CPython [^(]+\\(a free-threaded build, GIL enabled while it ran\\)`), "each experiment names its interpreter, and the twin run with the GIL turned back on");
  },
};

describe("the course on a free-threaded CPython", () => {
  const found = freeThreadedPython();
  let server: JupyterServer;
  let watch: ProcessWatch;
  const results = mkdtempSync(path.join(tmpdir(), "conclab-results-free-threaded-"));
  const outer = { python: process.env.CONCLAB_PYTHON, gil: process.env.PYTHON_GIL, results: process.env.CONCLAB_RESULTS_DIR };
  const restore = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  before(async () => {
    if (found.skip) return;
    watch = new ProcessWatch();
    // The kernels inherit these from the server: the course's CPython is the free-threaded build,
    // with nothing turning its GIL back on, and results go to a scratch folder.
    process.env.CONCLAB_PYTHON = found.python!;
    delete process.env.PYTHON_GIL;
    process.env.CONCLAB_RESULTS_DIR = results;
    server = await JupyterServer.start();
  });

  after(async () => {
    if (!found.skip) await server.stop();
    restore("CONCLAB_PYTHON", outer.python);
    restore("PYTHON_GIL", outer.gil);
    restore("CONCLAB_RESULTS_DIR", outer.results);
    rmSync(results, { recursive: true, force: true });
    if (!found.skip) assert.deepEqual(await watch.leftovers(), [], "a server, kernel or child outlived the notebooks");
  });

  it("every notebook in the list has its own checks here", () => {
    assert.deepEqual(Object.keys(CHECKS).filter((name) => !FREE_THREADED_NOTEBOOKS.includes(name)), [], "checks for a notebook not in FREE_THREADED_NOTEBOOKS");
  });

  for (const name of FREE_THREADED_NOTEBOOKS) {
    it(`${name} runs on the free-threaded build, saying the GIL was off and deciding no claim about the GIL`, { skip: found.skip }, async () => {
      const nb = await executeNotebook(server, path.join(NOTEBOOKS_DIR, `${name}.ipynb`));
      assert.deepEqual(outputsOf(nb).filter((o) => o.output_type === "error"), []);
      const section = loadResults(results).get(name);
      assert.ok(section, `${name} saved its results`);
      const text = textOf(nb);
      // Only chapter 14's twin runs (the same binary with -X gil=1) may report the free-threaded build's GIL on
      // (14 also names the machine's standard python3, whose GIL is always on, beside it).
      const untwinned = text.split("\n").filter((line) => !line.includes("-X gil=1")).join("\n");
      assert.doesNotMatch(untwinned, /a free-threaded build, GIL enabled while it ran\)/, "no free-threaded interpreter reported its GIL on");
      for (const claim of section.claims.filter((c) => c.rule.startsWith(judging.GIL_ON_RULE))) {
        assert.equal(claim.verdict, "not measured", `${claim.id} is about the GIL and was judged on a run without it: ${claim.reason}`);
      }
      CHECKS[name]?.(section, text, found.python!);
    });
  }
});
