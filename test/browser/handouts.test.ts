import "../helpers/quiet";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { Browser } from "playwright-core";
import { buildHandouts, HANDOUT_TARGET_BYTES, inspectHandout, linkHandouts, type BuildResult } from "../../tools/handouts/export";
import { summarizeNotebook } from "../../tools/handouts/index-page";
import { PROJECT_ROOT } from "../../tools/paths";
import { NotebookCellError } from "../../tools/runner/errors";
import type { Notebook } from "../../tools/runner/nbformat";
import { ProcessWatch } from "../helpers/processes";
import { chromiumOrSkip, launchChromium, openOffline, type OfflinePage } from "./chromium";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "handouts");
const PLOTS = path.join(FIXTURES, "01-plots.ipynb");
const ONE_PLOT = path.join(FIXTURES, "02-one-plot.ipynb");
const FAILS = path.join(FIXTURES, "failing", "99-fails.ipynb");
const DATE = new Date("2025-03-04T05:06:00Z");
/** The A4 page less the template's 0.5in margins, in CSS px: the print layout's width. */
const A4_PRINT_WIDTH = 698;

/** Every file below `dir` with its content, for "nothing changed" checks. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
}

describe("npm run handouts", () => {
  let outDir: string;
  let result: BuildResult;
  let watch: ProcessWatch;
  const html = (file: string): string => readFileSync(path.join(outDir, "handouts", file), "utf8");

  before(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), "conclab-handouts-"));
    watch = new ProcessWatch();
    // A stale handout from an earlier run: a successful run replaces the whole handouts/ folder.
    mkdirSync(path.join(outDir, "handouts"));
    writeFileSync(path.join(outDir, "handouts", "98-removed-since.html"), "<p>stale</p>");
    writeFileSync(path.join(outDir, "keep-me.txt"), "not ours");
    result = await buildHandouts({ notebooks: [PLOTS, ONE_PLOT], outDir, date: DATE });
  });

  after(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("writes a handout per notebook, an index and the executed notebooks, and leaves no process behind", async () => {
    assert.deepEqual(readdirSync(path.join(outDir, "handouts")).sort(), ["01-plots.html", "02-one-plot.html", "index.html"]);
    assert.deepEqual(readdirSync(path.join(outDir, "notebooks")).sort(), ["01-plots.ipynb", "02-one-plot.ipynb"]);
    assert.deepEqual(readdirSync(outDir).sort(), ["handouts", "keep-me.txt", "notebooks"], "no staging folder left; other files kept");
    const executed = JSON.parse(readFileSync(path.join(outDir, "notebooks", "01-plots.ipynb"), "utf8")) as Notebook;
    const figures = executed.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).filter((o) => o.output_type === "display_data" && "application/vnd.plotly.v1+json" in o.data);
    assert.equal(figures.length, 2, "the executed notebook keeps both figures");
    assert.deepEqual(result.handouts.map((h) => h.file), ["01-plots.html", "02-one-plot.html"]);
    assert.deepEqual(await watch.leftovers(), [], "the Jupyter server, kernels or nbconvert outlived the export");
  });

  it("makes each handout self-contained: no remote reference, plotly.js inlined once, under 2 MB", (t) => {
    for (const handout of result.handouts) {
      const page = html(handout.file);
      const inspection = inspectHandout(page);
      t.diagnostic(`${handout.file}: ${(inspection.bytes / 2 ** 20).toFixed(2)} MB, ${inspection.plots} plot(s)`);
      assert.deepEqual(inspection.remoteReferences, [], handout.file);
      assert.equal(inspection.plotlyCopies, 1, `${handout.file} holds plotly.js once`);
      assert.ok(inspection.bytes <= HANDOUT_TARGET_BYTES, `${handout.file} is ${inspection.bytes} bytes`);
      assert.doesNotMatch(page, /<script[^>]*\ssrc=/i, "every script is inline");
      assert.doesNotMatch(page, /<link[^>]*rel=["']?stylesheet/i, "every stylesheet is inline");
      assert.doesNotMatch(page, /require\.js|mathjax\.js|cdnjs\.cloudflare|cdn\.jsdelivr|unpkg\.com/i);
      assert.deepEqual(handout.warnings, []);
    }
    assert.equal(inspectHandout(html("01-plots.html")).plots, 2);
    assert.equal(inspectHandout(html("02-one-plot.html")).plots, 1);
  });

  it("ends a progress bar as its summary line, not as a stream of updates", () => {
    const page = html("01-plots.html");
    assert.equal((page.match(/class="conclab-progress-summary"/g) ?? []).length, 1);
    assert.doesNotMatch(page, /class="conclab-progress"/, "no state of the bar itself");
    assert.match(page, /compare 2 × sleep\(250\): 2 strategies × 3 repeats/);
  });

  it("shows a prediction with its choices, the answer beside it with the explanation, and an exercise's check", () => {
    const page = html("02-one-plot.html");
    const block = (name: string): string => new RegExp(`<div class="conclab-${name}"[^>]*>(.*?)</div>`, "s").exec(page)?.[1] ?? "";
    const question = "In CPython, many asyncio tasks each await a 300 ms sleep";
    assert.match(block("prediction"), new RegExp(`<b>Predict:</b> ${question}`), "the question, as asked before the experiment");
    assert.match(block("prediction"), /<b>▶ \(a\) [^<]+<\/b>/, "the reader's choice marked among the choices");
    assert.match(block("prediction"), /Your prediction: \(a\)\. The experiment below decides it\./);
    assert.match(block("outcome"), new RegExp(`<b>${question}`), "the same question after the experiment");
    assert.match(block("outcome"), /You predicted \(a\); this run supports \([abc]\)(: right\.|: not what this machine showed\.)/);
    assert.match(block("outcome"), /<br\s*\/?>\s*\S.{20,}/, `the explanation from this run's numbers: ${block("outcome").slice(-300)}`);
    assert.match(block("exercise"), /✔ Exercise, a task that runs on worker threads<\/b><br\s*\/?>\s*Done: both copies ran on worker threads and returned 6 for \[3\], 10 for \[5\]\./);
  });

  it("lists each handout in index.html with its heading and first sentence, the machine and the date", () => {
    const index = html("index.html");
    assert.match(index, /<a href="01-plots\.html">Two plots, a table and a progress bar<\/a> <span class="summary">A fixture for the handout tests\.<\/span>/);
    assert.match(index, /<a href="02-one-plot\.html">One plot<\/a> <span class="summary">The second fixture: its own copy of plotly\.js, one figure\.<\/span>/);
    assert.match(index, /2025-03-04 05:06 UTC/);
    assert.match(index, new RegExp(`${os.availableParallelism()} cores?, `));
    assert.ok(index.includes(`Node.js ${process.version}`));
    assert.match(index, /CPython \d+\.\d+\.\d+|no Python 3\.8\+ found/);
    assert.deepEqual(inspectHandout(index).remoteReferences, []);
    assert.doesNotMatch(index, /<script/);
  });

  it("finds remote references in markup but not in inline scripts or plain links", () => {
    const page =
      '<script src="https://cdn.example.org/require.js"></script><link rel="stylesheet" href="//fonts.example.org/a.css">' +
      '<style>@import url("http://example.org/b.css"); body { background: url(https://example.org/c.png) }</style>' +
      '<img src="data:image/png;base64,AAAA"><a href="https://example.org/read-more">a link</a>' +
      '<script>var u = "<img src=\\"https://plotly.example/never-loaded.png\\">";</script>';
    assert.deepEqual(inspectHandout(page).remoteReferences, [
      "https://cdn.example.org/require.js",
      "//fonts.example.org/a.css",
      "http://example.org/b.css",
      "https://example.org/c.png",
    ]);
  });

  it("takes a notebook's title and first sentence from its Markdown", () => {
    const nb = (...markdown: string[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: markdown.map((source) => ({ cell_type: "markdown", source, metadata: {} })) });
    assert.deepEqual(summarizeNotebook(nb("# Threads and the *GIL*\nWhy two threads are not faster. They take turns."), "x"), {
      title: "Threads and the GIL",
      summary: "Why two threads are not faster.",
    });
    assert.deepEqual(summarizeNotebook(nb("# Title", "> a quote\n\nThe `first` [sentence](https://e.org) e.g. this! Second."), "x"), {
      title: "Title",
      summary: "The first sentence e.g. this!",
    });
    assert.deepEqual(summarizeNotebook(nb("<!-- nav -->", "# 02 · The GIL\n\n**The question.** Can two threads count faster than one? The article says no."), "x"), {
      title: "02 · The GIL",
      summary: "Can two threads count faster than one?",
    });
    assert.deepEqual(summarizeNotebook(nb("No heading at all."), "07-name"), { title: "07-name", summary: "" });
  });

  it("points links between the course's notebooks at their handouts", () => {
    const names = new Set(["01-core-concepts", "02-the-gil"]);
    assert.equal(
      linkHandouts('<a href="01-core-concepts.ipynb">next</a> <a class="x" href="./02-the-gil.ipynb#the-gil">GIL</a> <a href="99-other.ipynb">other</a> <a href="https://e.org/01-core-concepts.ipynb">remote</a>', names),
      '<a href="01-core-concepts.html">next</a> <a class="x" href="./02-the-gil.html#the-gil">GIL</a> <a href="99-other.ipynb">other</a> <a href="https://e.org/01-core-concepts.ipynb">remote</a>',
    );
  });

  it("stops at a failing notebook with its path, cell and error, and leaves the previous output untouched", async () => {
    const previous = snapshot(outDir);
    const watchFailure = new ProcessWatch();
    await assert.rejects(buildHandouts({ notebooks: [ONE_PLOT, FAILS, PLOTS], outDir }), (error: unknown) => {
      assert.ok(error instanceof NotebookCellError, String(error));
      assert.equal(error.notebook, FAILS);
      assert.equal(error.cell, 3);
      assert.match(error.message, /failing\/99-fails\.ipynb, cell 3 failed/);
      assert.match(error.message, /RangeError: the handout fixture fails here/);
      return true;
    });
    assert.deepEqual(snapshot(outDir), previous, "the output folder is as it was, no staging folder left");
    assert.deepEqual(await watchFailure.leftovers(), [], "nothing outlived the failed export");

    const fresh = path.join(mkdtempSync(path.join(os.tmpdir(), "conclab-handouts-")), "dist");
    try {
      await assert.rejects(buildHandouts({ notebooks: [FAILS], outDir: fresh }), NotebookCellError);
      assert.equal(existsSync(fresh), false, "an output folder that did not exist is not created by a failed run");
    } finally {
      rmSync(path.dirname(fresh), { recursive: true, force: true });
    }
  });

  it("skips a browser test with a clear reason when Chromium is missing, and fails it when CONCLAB_REQUIRE_BROWSER=1", () => {
    const skipped: string[] = [];
    const t = { skip: (message?: string) => void skipped.push(message ?? "") };
    assert.equal(chromiumOrSkip(t, { CONCLAB_CHROMIUM: "/nonexistent/chromium" }), null);
    assert.deepEqual(skipped, [
      "browser test skipped: no Chromium found (CONCLAB_CHROMIUM=/nonexistent/chromium does not exist); install Debian's chromium (apt-get install chromium) or set CONCLAB_CHROMIUM to run the browser tests",
    ]);
    assert.throws(() => chromiumOrSkip(t, { CONCLAB_CHROMIUM: "/nonexistent/chromium", CONCLAB_REQUIRE_BROWSER: "1" }), /no Chromium found .*CONCLAB_REQUIRE_BROWSER=1 makes this a failure/);
    assert.equal(skipped.length, 1);
  });

  describe("in headless Chromium, offline", () => {
    let browser: Browser | undefined;

    async function open(t: TestContext, file: string, viewport?: { width: number; height: number }): Promise<OfflinePage | null> {
      const executable = chromiumOrSkip(t);
      if (!executable) return null;
      browser ??= await launchChromium(executable);
      return openOffline(browser, path.join(outDir, "handouts", file), { viewport });
    }

    after(async () => {
      await browser?.close();
    });

    it("blocks and reports a request to anything but the page itself (the check below is not vacuous)", async (t) => {
      const page = path.join(outDir, "remote.html");
      writeFileSync(page, '<!DOCTYPE html><script src="https://cdn.example.org/x.js"></script><img src="other.png"><p>remote</p>');
      try {
        const opened = await open(t, "../remote.html");
        if (!opened) return;
        await opened.close();
        assert.deepEqual(opened.blockedRequests.sort(), ["https://cdn.example.org/x.js", `file://${path.join(outDir, "other.png")}`].sort());
        assert.ok(opened.consoleErrors.length > 0, "a blocked request logs a console error");
      } finally {
        rmSync(page, { force: true });
      }
    });

    it("renders every plot of every handout (an SVG with data in each plot div), with no console error and no blocked request", async (t) => {
      for (const handout of result.handouts) {
        const opened = await open(t, handout.file);
        if (!opened) return;
        try {
          const plots = await opened.page.evaluate(() =>
            Array.from(document.querySelectorAll(".conclab-plot")).map((el) => ({
              mainSvgs: el.querySelectorAll("svg.main-svg").length,
              traces: el.querySelectorAll("g.trace").length,
              marks: Array.from(el.querySelectorAll("g.trace path")).filter((p) => (p.getAttribute("d") ?? "").length > 0).length,
              height: Math.round(el.getBoundingClientRect().height),
              text: el.textContent ?? "",
            })),
          );
          t.diagnostic(`${handout.file}: ${JSON.stringify(plots.map(({ text: _, ...p }) => p))}`);
          assert.equal(plots.length, handout.inspection.plots, `${handout.file}: every plot div is on the page`);
          for (const [i, plot] of plots.entries()) {
            assert.doesNotMatch(plot.text, /plotly\.js did not load/, `${handout.file} plot ${i + 1}`);
            assert.ok(plot.mainSvgs >= 1, `${handout.file} plot ${i + 1} has plotly's SVG`);
            assert.ok(plot.traces >= 1 && plot.marks >= 1, `${handout.file} plot ${i + 1} draws its data: ${JSON.stringify(plot)}`);
          }
          assert.deepEqual(opened.consoleErrors, [], `${handout.file}: console errors`);
          assert.deepEqual(opened.blockedRequests, [], `${handout.file}: requests to anything but the file`);
        } finally {
          await opened.close();
        }
      }
    });

    it("prints on A4: wide plots are narrowed at the same height, wide tables and code fit the page", async (t) => {
      const opened = await open(t, "01-plots.html", { width: 1280, height: 900 });
      if (!opened) return;
      try {
        const { page } = opened;
        const measure = (): Promise<{ scrollWidth: number; plots: Array<{ right: number; width: number; height: number }>; rights: number[] }> =>
          page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            plots: Array.from(document.querySelectorAll(".js-plotly-plot svg.main-svg:first-of-type")).map((svg) => {
              const r = svg.getBoundingClientRect();
              return { right: Math.round(r.right), width: Math.round(r.width), height: Math.round(r.height) };
            }),
            rights: Array.from(document.querySelectorAll("table, pre, .jp-OutputArea-output")).map((el) => Math.round(el.getBoundingClientRect().right)),
          }));
        const screen = await measure();
        assert.ok(screen.plots.every((p) => p.width > A4_PRINT_WIDTH), "the fixture's plots are wider than the page on screen");
        // What a browser does when it prints: "beforeprint" at the screen layout, then the print layout.
        await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
        await page.emulateMedia({ media: "print" });
        await page.setViewportSize({ width: A4_PRINT_WIDTH, height: 1000 });
        const printed = await measure();
        t.diagnostic(`screen ${JSON.stringify(screen.plots)}; printed ${JSON.stringify(printed.plots)}`);
        assert.equal(printed.scrollWidth, A4_PRINT_WIDTH, "nothing sticks out of the page");
        assert.deepEqual(printed.plots.map((p) => p.height), screen.plots.map((p) => p.height), "plots keep their height");
        assert.ok(printed.plots.every((p) => p.right <= A4_PRINT_WIDTH), `plots fit the page: ${JSON.stringify(printed.plots)}`);
        assert.ok(printed.rights.every((right) => right <= A4_PRINT_WIDTH), `tables, code and outputs fit the page: ${printed.rights.join(", ")}`);
        await page.emulateMedia({ media: "screen" });
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.evaluate(() => window.dispatchEvent(new Event("afterprint")));
        assert.deepEqual((await measure()).plots, screen.plots, "after printing the plots are as they were");
        // A real print to PDF, through the browser's own beforeprint/afterprint.
        const pdf = await page.pdf({ format: "A4" });
        assert.ok(pdf.length > 10_000 && pdf.subarray(0, 5).toString("latin1") === "%PDF-");
        assert.deepEqual(opened.consoleErrors, []);
        assert.deepEqual(opened.blockedRequests, []);
      } finally {
        await opened.close();
      }
    });

    it("opens index.html offline and links to each handout", async (t) => {
      const opened = await open(t, "index.html");
      if (!opened) return;
      try {
        const links = await opened.page.evaluate(() => Array.from(document.querySelectorAll("li a")).map((a) => (a as HTMLAnchorElement).href));
        assert.deepEqual(
          links.map((href) => decodeURIComponent(new URL(href).pathname)),
          result.handouts.map((h) => h.html),
        );
        assert.ok(links.every((href) => statSync(new URL(href)).isFile()));
        assert.deepEqual(opened.consoleErrors, []);
        assert.deepEqual(opened.blockedRequests, []);
      } finally {
        await opened.close();
      }
    });
  });
});
