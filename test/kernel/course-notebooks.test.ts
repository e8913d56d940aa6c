import "../helpers/quiet";
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { executeNotebook } from "../../tools/runner/execute-notebook";
import { JupyterServer } from "../../tools/runner/jupyter-server";
import type { DisplayDataOutput, Notebook } from "../../tools/runner/nbformat";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import { ProcessWatch } from "../helpers/processes";

const PLOTLY = "application/vnd.plotly.v1+json";

function displays(nb: Notebook): DisplayDataOutput[] {
  return nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).filter((o): o is DisplayDataOutput => o.output_type === "display_data");
}

describe("every course notebook executes on tslab", () => {
  let server: JupyterServer;
  let watch: ProcessWatch;
  const executed = new Map<string, Notebook>();

  before(async () => {
    watch = new ProcessWatch();
    server = await JupyterServer.start();
  });

  after(async () => {
    await server.stop();
    assert.deepEqual(await watch.leftovers(), [], "a server, kernel or child outlived the notebooks");
  });

  for (const file of courseNotebooks()) {
    it(`${path.basename(file)} runs every cell without an error output`, async () => {
      const nb = await executeNotebook(server, file);
      const errors = nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).filter((o) => o.output_type === "error");
      assert.deepEqual(errors, []);
      executed.set(path.basename(file), nb);
    });
  }

  it("00-index prints the machine and shows a plotly figure with an offline HTML fallback", () => {
    const nb = executed.get("00-index.ipynb");
    assert.ok(nb, "00-index.ipynb must exist and have run");
    const text = nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).map((o) => (o.output_type === "stream" ? o.text : "")).join("");
    for (const label of ["cores", "CPU", "Node.js", "tslab", "Python"]) assert.match(text, new RegExp(`^${label}\\s`, "m"));
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
    assert.match(String(bundle["text/plain"]), /plotly figure, 2 traces/);
  });
});
