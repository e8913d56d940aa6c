import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { type Figure } from "conclab";
import { figureBundle, inKernel, PLOTLY_MIME, show, TSLAB_VERSION } from "conclab/kernel";
import { PROJECT_ROOT } from "../../tools/paths";
import { resetPlotlyInlining } from "conclab/kernel/internal";

const figure = (title: string): Figure => ({
  data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }],
  layout: { title: { text: title } },
});

describe("a figure's MIME bundle", () => {
  beforeEach(() => resetPlotlyInlining());

  it("holds plotly JSON, offline HTML and a one-line text summary", () => {
    const bundle = figureBundle(figure("Wall time"));
    assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    assert.deepEqual(bundle[PLOTLY_MIME], { data: figure("x").data, layout: { title: { text: "Wall time" } } });
    assert.equal(bundle["text/plain"], "Wall time (plotly figure, 1 trace)");
  });

  it("inlines plotly.js in the first figure only, hidden from AMD and CommonJS loaders", () => {
    const first = String(figureBundle(figure("one"))["text/html"]);
    const second = String(figureBundle(figure("two"))["text/html"]);
    assert.match(first, /^<script type="text\/javascript">\(function\(\)\{var define,module,exports;/);
    assert.ok(first.includes("plotly.js (basic - minified) v4.1.1"));
    assert.ok(!second.includes("plotly.js (basic"), "the second figure reuses window.Plotly");
    assert.ok(second.length < 2_000);
  });

  it("cannot be broken out of its script element by the data", () => {
    const html = String(figureBundle(figure("</script><script>alert(1)</script>"))["text/html"]);
    const drawScript = html.slice(html.lastIndexOf("<div"));
    assert.equal(drawScript.match(/<\/script>/g)?.length, 1);
    assert.ok(drawScript.includes("\\u003c/script>"));
  });

  it("rejects what is not a figure, naming the parameter", () => {
    assert.throws(() => figureBundle(null as unknown as Figure), { name: "TypeError", message: /^figure must be an object with a data array/ });
    assert.throws(() => figureBundle({ data: [] } as unknown as Figure), { name: "TypeError", message: /^figure\.layout must be an object/ });
  });
});

describe("outside a kernel", () => {
  it("knows it is not in a kernel and show() prints the summary line", (t) => {
    assert.equal(inKernel(), false);
    const written: string[] = [];
    t.mock.method(process.stdout, "write", (chunk: string) => {
      written.push(chunk);
      return true;
    });
    show(figure("Outside"));
    t.mock.restoreAll();
    assert.deepEqual(written, ["Outside (plotly figure, 1 trace)\n"]);
  });
});

describe("the tslab version this adapter relies on", () => {
  it("is the version pinned in package.json and the one installed", () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const installed = JSON.parse(readFileSync(require.resolve("tslab/package.json"), "utf8")) as { version: string };
    assert.equal(pkg.dependencies.tslab, TSLAB_VERSION);
    assert.equal(installed.version, TSLAB_VERSION);
  });
});
