import "../helpers/quiet";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { chapterById, loadResults, type Claim } from "conclab/course";
import { executeNotebook } from "../../tools/runner/execute-notebook";
import { JupyterServer } from "../../tools/runner/jupyter-server";
import { sourceText, type DisplayDataOutput, type Notebook, type Output } from "../../tools/runner/nbformat";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import { ProcessWatch } from "../helpers/processes";

const PLOTLY = "application/vnd.plotly.v1+json";
const VERDICTS: readonly Claim["verdict"][] = ["holds", "differs", "unclear", "not measured"];

const outputsOf = (nb: Notebook): Output[] => nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : []));
const displays = (nb: Notebook): DisplayDataOutput[] => outputsOf(nb).filter((o): o is DisplayDataOutput => o.output_type === "display_data");

describe("every course notebook executes on tslab", () => {
  let server: JupyterServer;
  let watch: ProcessWatch;
  const results = mkdtempSync(path.join(tmpdir(), "conclab-results-"));
  const executed = new Map<string, Notebook>();

  before(async () => {
    watch = new ProcessWatch();
    process.env.CONCLAB_RESULTS_DIR = results; // the kernels inherit it: nothing is written into the repository
    server = await JupyterServer.start();
  });

  after(async () => {
    await server.stop();
    delete process.env.CONCLAB_RESULTS_DIR;
    rmSync(results, { recursive: true, force: true });
    assert.deepEqual(await watch.leftovers(), [], "a server, kernel or child outlived the notebooks");
  });

  for (const file of courseNotebooks()) {
    const name = path.basename(file);
    it(`${name} runs every cell without an error output, and each show() draws a plotly figure`, async () => {
      const nb = await executeNotebook(server, file);
      assert.deepEqual(outputsOf(nb).filter((o) => o.output_type === "error"), []);
      for (const cell of nb.cells) {
        if (cell.cell_type !== "code") continue;
        const shows = (sourceText(cell.source).match(/^\s*(if \(.*\) )?show\(/gm) ?? []).length;
        const figures = cell.outputs.filter((o) => o.output_type === "display_data" && PLOTLY in o.data).length;
        if (shows > 0 && !/^\s*if \(/m.test(sourceText(cell.source))) assert.equal(figures, shows, `${name}: a cell with ${shows} show() drew ${figures} figure(s)`);
      }
      executed.set(name, nb);
    });
  }

  it("00-index prints the machine and shows a plotly figure with an offline HTML fallback", () => {
    const nb = executed.get("00-index.ipynb");
    assert.ok(nb, "00-index.ipynb must exist and have run");
    const text = outputsOf(nb).map((o) => (o.output_type === "stream" ? o.text : "")).join("");
    for (const label of ["CPUs", "CPU", "memory", "Node.js", "tslab", "Python"]) assert.match(text, new RegExp(`^${label}\\s`, "m"));
    assert.match(text, /^CPUs\s+\d+ CPUs? usable at once: /m, "the effective CPUs and what limits them");
    const figures = displays(nb).filter((d) => PLOTLY in d.data);
    assert.equal(figures.length, 1);
    const bundle = figures[0]!.data;
    const spec = bundle[PLOTLY] as { data: unknown[]; layout: { title: { text: string } } };
    assert.ok(Array.isArray(spec.data) && spec.data.length > 0, "the figure has traces");
    assert.match(spec.layout.title.text, /Counting to 20 million/);
    const html = String(bundle["text/html"]);
    assert.match(html, /window\.Plotly\.newPlot/);
    assert.match(html, /plotly\.js \(basic - minified\)/, "plotly.js is inlined, not loaded from a CDN");
    assert.doesNotMatch(html, /<script[^>]+src=/, "no external script");
  });

  it("each chapter saved its claims with computed verdicts, and the summary shows them all", () => {
    const saved = loadResults(results);
    // every chapter that decides claims (the index and the summary decide none)
    const chapters = courseNotebooks().map((f) => path.basename(f, ".ipynb")).filter((n) => (chapterById(n)?.claims.length ?? 0) > 0);
    assert.deepEqual([...saved.keys()].sort(), chapters);
    let total = 0;
    for (const [section, { claims }] of saved) {
      assert.ok(claims.length > 0, `${section} saved claims`);
      for (const claim of claims) {
        assert.ok(VERDICTS.includes(claim.verdict), `${claim.id}: verdict ${claim.verdict}`);
        assert.ok(claim.measured.length > 0 && claim.reason.length > 0 && claim.rule.length > 0, `${claim.id} says what was measured, why, and by what rule`);
        assert.ok(claim.kind === "test" || claim.kind === "demonstration", `${claim.id}: kind ${claim.kind}`);
        assert.equal(claim.section, section);
      }
      total += claims.length;
    }
    const summary = executed.get("16-summary.ipynb");
    assert.ok(summary, "16-summary ran");
    const tables = displays(summary).map((d) => String(d.data["text/markdown"] ?? ""));
    const rows = tables.find((t) => t.includes("| The article says |"))?.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| The article") && !l.startsWith("| :")) ?? [];
    assert.equal(rows.length, total, "the summary lists every saved claim");
  });
});
