/**
 * The reader's path, in a real browser: JupyterLab started the way `npm start` starts it, a course
 * notebook run from Lab's Run menu in headless Chromium, and a long experiment stopped with the
 * toolbar's stop button and cut short by a kernel restart. What is asserted is what the reader
 * sees (plots drawn by Lab's plotly renderer, the progress bar, the cell's messages) and what is
 * left running (processes counted in /proc). The protocol-level side of the same guarantees is in
 * test/kernel/kernel-adapter.test.ts.
 *
 * Lab serves a copy of the notebooks in a folder under test-artifacts/ (CONCLAB_NOTEBOOK_DIR), so
 * nothing in notebooks/ is touched; results, Lab settings and workspaces go there too. A
 * screenshot of the finished notebook is left in test-artifacts/ for a person to look at.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it, type TestContext } from "node:test";
import type { Browser } from "playwright-core";
import { NOTEBOOKS_DIR, PROJECT_ROOT } from "../../tools/paths";
import { descendants, isAlive } from "../../tools/proc";
import { ProcessWatch } from "../helpers/processes";
import { chromiumOrSkip, launchChromium } from "./chromium";
import { DescendantTracker, LabNotebook, PLOTLY_RENDERER_CLASS, RunningLab, STDERR_MIME, until, type CellView } from "./lab";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const SCREENSHOT = path.join(ARTIFACTS, "lab-05-cpu-bound-examples.png");
const COURSE_NOTEBOOK = "05-cpu-bound-examples.ipynb";
/** One of the chapters learners ask for next (10-14), run whole in Lab as a reader would. */
const NEXT_CHAPTER = "12-starved-loop.ipynb";
const LONG_FIXTURE = path.join(PROJECT_ROOT, "test", "fixtures", "lab", "long-experiment.ipynb");
/** Two copies of the fixture, so the stop and restart tests each get a fresh kernel. */
const STOP_NOTEBOOK = "long-experiment-stop.ipynb";
const RESTART_NOTEBOOK = "long-experiment-restart.ipynb";
/** Code cells of the fixture: 0 imports, 1 the long compare on processes, 2 logs "next cell ran". */
const LONG_CELL = 1;
const NEXT_CELL = 2;

/** Figures of 05-cpu-bound-examples that every machine draws (the CPython one needs a Python). */
const NODE_FIGURE_TITLES = ["2 × countUp: wall time per strategy (Node.js)", "2 × countUp: when each copy ran"];

function codeCellSources(file: string): string[] {
  const notebook = JSON.parse(readFileSync(file, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  return notebook.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

const errorsShown = (cells: readonly CellView[]): string[] =>
  cells.flatMap((c) => c.outputs.filter((o) => o.mime === STDERR_MIME).map((o) => `cell ${c.index} ${c.prompt} ${o.text.slice(0, 600)}`));

/** Rethrows `error` with the last 40 lines Lab's server printed since `from` (a length of its output). */
const withLabLog = (lab: RunningLab, from: number) => (error: Error): never => {
  throw new Error(`${error.message}; Lab's log since the test began:\n${lab.output().slice(from).split("\n").slice(-40).join("\n")}`);
};

const cellText = (cell: CellView | undefined): string => (cell?.outputs ?? []).map((o) => o.text).join("\n");

describe("JupyterLab in Chromium: the reader's path", () => {
  let watch: ProcessWatch | undefined;
  let workDir: string | undefined;
  let labStarting: Promise<RunningLab> | undefined;
  let browser: Browser | undefined;

  before(() => {
    watch = new ProcessWatch();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    const lab = await labStarting?.catch(() => undefined);
    await lab?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    assert.deepEqual(await watch?.leftovers(), [], "JupyterLab, a kernel, a child process or Chromium outlived the tests");
  });

  /** Chromium and the shared Lab, started on first use; null when the test was skipped. */
  async function setUp(t: TestContext): Promise<{ lab: RunningLab; browser: Browser } | null> {
    const executable = chromiumOrSkip(t);
    if (!executable) return null;
    if (!labStarting) {
      mkdirSync(ARTIFACTS, { recursive: true });
      // Inside the repository, so the notebooks' `import "conclab"` finds node_modules.
      workDir = mkdtempSync(path.join(ARTIFACTS, "lab-run-"));
      const dirs = { root: "notebooks", results: "results", settings: "lab-settings", workspaces: "lab-workspaces" };
      for (const dir of Object.values(dirs)) mkdirSync(path.join(workDir, dir));
      const root = path.join(workDir, dirs.root);
      copyFileSync(path.join(NOTEBOOKS_DIR, COURSE_NOTEBOOK), path.join(root, COURSE_NOTEBOOK));
      copyFileSync(path.join(NOTEBOOKS_DIR, NEXT_CHAPTER), path.join(root, NEXT_CHAPTER));
      copyFileSync(LONG_FIXTURE, path.join(root, STOP_NOTEBOOK));
      copyFileSync(LONG_FIXTURE, path.join(root, RESTART_NOTEBOOK));
      labStarting = RunningLab.start({
        CONCLAB_NOTEBOOK_DIR: root,
        CONCLAB_RESULTS_DIR: path.join(workDir, dirs.results),
        // A fresh Lab profile: the reader's defaults, and nothing written to the user's own.
        JUPYTERLAB_SETTINGS_DIR: path.join(workDir, dirs.settings),
        JUPYTERLAB_WORKSPACES_DIR: path.join(workDir, dirs.workspaces),
      });
    }
    const lab = await labStarting;
    browser ??= await launchChromium(executable);
    return { lab, browser };
  }

  it("runs 05-cpu-bound-examples from the Run menu: plots drawn by Lab's plotly renderer, a progress bar that ends as its summary, no error", async (t) => {
    const env = await setUp(t);
    if (!env) return;
    const sources = codeCellSources(path.join(NOTEBOOKS_DIR, COURSE_NOTEBOOK));
    const view = await LabNotebook.open(env.browser, env.lab, COURSE_NOTEBOOK, { width: 1280, height: 1300 });
    try {
      await view.recordProgressBars();
      await view.menu("Run", "Run All Cells");
      const cells = await view.waitUntilIdle(8 * 60_000, sources.length);

      assert.equal(cells.length, sources.length, "every code cell of the notebook is on the page");
      assert.deepEqual(errorsShown(cells), [], "no cell shows an error");
      assert.deepEqual(cells.filter((c) => !/^\[\d+\]:?$/.test(c.prompt)).map((c) => `cell ${c.index}: ${c.prompt}`), [], "Run All Cells ran every code cell");

      const plots = await view.page.evaluate((rendererClass) => {
        const outputs = Array.from(document.querySelectorAll(".jp-NotebookPanel .jp-OutputArea-output"));
        return {
          plotly: outputs
            .filter((o) => o.classList.contains(rendererClass))
            .map((o) => ({
              mime: o.getAttribute("data-mime-type"),
              drawn: o.querySelector(".plot-container .main-svg") !== null,
              traces: o.querySelectorAll(".main-svg .trace").length,
              title: (o.querySelector(".main-svg .gtitle")?.textContent ?? "").trim(),
            })),
          plotsElsewhere: outputs.filter((o) => !o.classList.contains(rendererClass) && o.querySelector(".js-plotly-plot, .main-svg") !== null).length,
          fallbackPlots: document.querySelectorAll(".jp-NotebookPanel .conclab-plot").length,
        };
      }, PLOTLY_RENDERER_CLASS);
      t.diagnostic(`${plots.plotly.length} plots drawn by the plotly renderer: ${plots.plotly.map((p) => p.title).join(" | ")}`);
      assert.equal(plots.fallbackPlots, 0, "no plot is drawn by conclab's HTML fallback (div.conclab-plot)");
      assert.equal(plots.plotsElsewhere, 0, "every plot is in an output of the plotly renderer, none in an HTML output");
      assert.ok(plots.plotly.length >= NODE_FIGURE_TITLES.length, `at least ${NODE_FIGURE_TITLES.length} plotly outputs, got ${plots.plotly.length}`);
      for (const plot of plots.plotly) {
        assert.equal(plot.mime, null, `"${plot.title}" is not one of Lab's own (HTML, text) outputs`);
        assert.ok(plot.drawn, `"${plot.title}" is drawn as SVG by plotly.js`);
        assert.ok(plot.traces >= 1, `"${plot.title}" shows its data (${plot.traces} traces)`);
      }
      const titles = plots.plotly.map((p) => p.title);
      for (const title of NODE_FIGURE_TITLES) assert.ok(titles.includes(title), `"${title}" is drawn (drawn: ${titles.join(" | ")})`);

      const bars = await view.progressBars();
      const cpuCell = sources.findIndex((source) => source.includes("const cpu = await cpuBound.nodeRun("));
      const barCells = [...new Set(bars.map((b) => b.cell))];
      t.diagnostic(`progress bars seen in cells ${barCells.join(", ")} (${bars.length} states), e.g. "${bars.find((b) => b.cell === cpuCell && /repeat/.test(b.text))?.text ?? bars[0]?.text}"`);
      assert.ok(bars.some((b) => b.cell === cpuCell), `a progress bar appeared in the CPU-bound compare cell (cell ${cpuCell})`);
      assert.ok(bars.every((b) => /\d+%/.test(b.text)), "each bar shows a percentage");
      const ended = await view.page.evaluate((barCells) => {
        const codeCells = Array.from(document.querySelectorAll(".jp-NotebookPanel .jp-Notebook .jp-CodeCell"));
        return {
          barsLeft: document.querySelectorAll(".jp-NotebookPanel .conclab-progress").length,
          summaries: barCells.map((index) => ({
            index,
            lines: Array.from(codeCells[index]!.querySelectorAll(".conclab-progress-summary")).map((s) => (s.textContent ?? "").trim()),
          })),
        };
      }, barCells);
      assert.equal(ended.barsLeft, 0, "every progress bar ended (none is left on the page)");
      for (const cell of ended.summaries) assert.ok(cell.lines.length >= 1, `cell ${cell.index} showed a bar and now shows its summary line`);
      const cpuSummary = ended.summaries.find((cell) => cell.index === cpuCell)!.lines;
      assert.equal(cpuSummary.length, 1, `the CPU-bound cell's bar became one summary line, got ${JSON.stringify(cpuSummary)}`);
      assert.match(cpuSummary[0]!, /^compare 2 × countUp\(/);

      // What the reader sees after running the CPU-bound part: the summary line and the first plot.
      await view.page.evaluate((index) => {
        document.querySelectorAll(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")[index]?.scrollIntoView({ block: "start" });
      }, cpuCell);
      await sleep(500);
      // lab/overrides.json, installed by set-up, becomes the settings' defaults: Lab never asks the first-run news question.
      const notification = (await (
        await fetch(`${env.lab.origin}/lab/api/settings/@jupyterlab/apputils-extension:notification`, { headers: { Authorization: `token ${env.lab.token}` } })
      ).json()) as { schema: { properties: Record<string, { default?: unknown }> } };
      const defaults = notification.schema.properties;
      assert.deepEqual([defaults.fetchNews?.default, defaults.checkForUpdates?.default], ["false", false], "Lab's news and update checks are off");
      const toasts = await view.page.evaluate(() => Array.from(document.querySelectorAll(".Toastify__toast")).map((toast) => toast.textContent ?? ""));
      assert.deepEqual(toasts.filter((text) => /news/i.test(text)), [], "no news question over the notebook");
      await view.page.screenshot({ path: SCREENSHOT });
      t.diagnostic(`screenshot: ${path.relative(PROJECT_ROOT, SCREENSHOT)}`);
      const foreign = view.foreignRequests();
      if (foreign.length > 0) t.diagnostic(`requests outside Lab (blocked): ${foreign.join(", ")}`);
    } finally {
      await view.close();
      await env.lab.shutDown(COURSE_NOTEBOOK);
    }
  });

  it(`runs ${NEXT_CHAPTER} from the Run menu: every cell runs, its figure is drawn by Lab's plotly renderer, its check answers, no error`, async (t) => {
    const env = await setUp(t);
    if (!env) return;
    const sources = codeCellSources(path.join(NOTEBOOKS_DIR, NEXT_CHAPTER));
    const view = await LabNotebook.open(env.browser, env.lab, NEXT_CHAPTER, { width: 1280, height: 1300 });
    try {
      await view.menu("Run", "Run All Cells");
      const cells = await view.waitUntilIdle(6 * 60_000, sources.length);
      assert.equal(cells.length, sources.length, "every code cell of the notebook is on the page");
      assert.deepEqual(errorsShown(cells), [], "no cell shows an error");
      assert.deepEqual(cells.filter((c) => !/^\[\d+\]:?$/.test(c.prompt)).map((c) => `cell ${c.index}: ${c.prompt}`), [], "Run All Cells ran every code cell");
      const page = await view.page.evaluate((rendererClass) => ({
        drawn: Array.from(document.querySelectorAll(`.jp-NotebookPanel .${rendererClass}`)).filter((o) => o.querySelector(".plot-container .main-svg .trace") !== null).length,
        text: (document.querySelector(".jp-NotebookPanel .jp-Notebook")?.textContent ?? "").replace(/\s+/g, " "),
      }), PLOTLY_RENDERER_CLASS);
      assert.ok(page.drawn >= 1, "the timer's lateness figure is drawn as SVG with its traces");
      assert.match(page.text, /loop\.await-starves/, "the claims table is shown");
      assert.match(page.text, /Not yet: /, "the exercise's check answers the notebook's starting code (nextTick hand-backs) with a not-yet");
    } finally {
      await view.close();
      await env.lab.shutDown(NEXT_CHAPTER);
    }
  });

  it("the stop button interrupts a long experiment on processes: the cell says so, the next cell runs, no child process is left", async (t) => {
    const env = await setUp(t);
    if (!env) return;
    const logStart = env.lab.output().length;
    const view = await LabNotebook.open(env.browser, env.lab, STOP_NOTEBOOK);
    let tracker: DescendantTracker | undefined;
    try {
      const kernel = await view.kernelPid();
      const childrenBefore = descendants(kernel).length;
      await view.recordProgressBars();
      await view.select(0);
      await view.page.keyboard.press("Shift+Enter"); // the imports
      await view.page.keyboard.press("Shift+Enter"); // the long compare
      tracker = new DescendantTracker(kernel);
      assert.ok(await until(() => descendants(kernel).length >= childrenBefore + 2, 60_000), "the experiment's child processes started");
      assert.ok(await until(async () => (await view.progressBars()).some((b) => b.cell === LONG_CELL), 60_000), "its progress bar is shown");
      const running = await view.cells();
      assert.match(running[LONG_CELL]!.prompt, /\*/, "the long cell is running");

      assert.equal(running.length, 3, `the notebook shows its 3 code cells before the stop, got prompts ${JSON.stringify(running.map((c) => c.prompt))}`);

      // What happens after the click, with times, so that a slow stop says where the time went:
      // the interrupt request, the server's view of the kernel, and the page's.
      const clickedAt = Date.now();
      const since = (): string => `${((Date.now() - clickedAt) / 1000).toFixed(1)} s`;
      const timeline: string[] = [];
      const interruptSent = view.page
        .waitForResponse((response) => /\/api\/kernels\/[^/]+\/interrupt/.test(response.url()), { timeout: 30_000 })
        .then((response) => timeline.push(`${since()}: interrupt request answered ${response.status()}`))
        .catch(() => timeline.push(`${since()}: no interrupt request left the page within 30 s`));
      const serverIdle = view
        .waitForKernel("idle", 60_000)
        .then(() => timeline.push(`${since()}: the server reports the kernel idle`))
        .catch(() => timeline.push(`${since()}: the server never reported the kernel idle`));
      await view.page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').click();
      timeline.push(`${since()}: clicked`);
      const stopped = await view.waitUntilIdle(60_000, 2).catch(async (error: Error) => {
        await Promise.race([Promise.all([interruptSent, serverIdle]), sleep(1_000)]);
        throw new Error(`${error.message}; after the click: ${timeline.join("; ")}`);
      });
      timeline.push(`${since()}: the page shows no running cell`);
      await interruptSent;
      t.diagnostic(`after the click: ${timeline.join("; ")}`);
      const interrupted = cellText(stopped[LONG_CELL]);
      t.diagnostic(`the interrupted cell shows: ${interrupted.replace(/\s+/g, " ").slice(0, 300)}`);
      assert.match(interrupted, /interrupted: stopping 1 running experiment/, "the cell reports the interruption");
      // The kernel sends the bar's summary before the cell's reply; Lab may draw it a moment after the prompt.
      const barGone = await until(async () => (await view.page.locator(".jp-NotebookPanel .conclab-progress").count()) === 0, 2_000);
      assert.ok(barGone, "no progress bar keeps running: it became the summary line");
      assert.match(await view.page.locator(".jp-NotebookPanel .conclab-progress-summary").allTextContents().then((t) => t.join("\n")), /interrupted; its workers and child processes were stopped/);

      await view.select(NEXT_CELL);
      await view.page.keyboard.press("Shift+Enter");
      // Right after the interrupted cell's reply, as a quick reader does (tslab once aborted it).
      const after = await view.waitUntilIdle(60_000, 3).catch(withLabLog(env.lab, logStart));
      assert.match(after[NEXT_CELL]!.prompt, /^\[\d+\]/, "the next cell ran");
      assert.match(cellText(after[NEXT_CELL]), /next cell ran/);
      assert.deepEqual(errorsShown([after[NEXT_CELL]!]), [], "the next cell shows no error");

      assert.ok(isAlive(kernel), "the kernel survived the interrupt");
      const clean = await until(() => tracker!.alive().length === 0 && descendants(kernel).length === childrenBefore, 5_000);
      assert.ok(clean, `child processes left: ${tracker.alive().join(", ")}; below the kernel now ${descendants(kernel).length}, before ${childrenBefore}`);
      t.diagnostic(`${tracker.all.length} child processes ran and are gone; below the kernel: ${descendants(kernel).length} (before: ${childrenBefore})`);
    } finally {
      tracker?.stop();
      await view.close();
      await env.lab.shutDown(STOP_NOTEBOOK);
    }
  });

  it("restarting the kernel from the Kernel menu mid-experiment leaves no orphan process after 5 s", async (t) => {
    const env = await setUp(t);
    if (!env) return;
    const logStart = env.lab.output().length;
    const view = await LabNotebook.open(env.browser, env.lab, RESTART_NOTEBOOK);
    let tracker: DescendantTracker | undefined;
    try {
      const kernel = await view.kernelPid();
      await view.recordProgressBars();
      await view.select(0);
      await view.page.keyboard.press("Shift+Enter");
      await view.page.keyboard.press("Shift+Enter");
      tracker = new DescendantTracker(kernel);
      assert.ok(await until(() => descendants(kernel).length >= 2, 60_000), "the experiment's child processes started");
      assert.ok(await until(async () => (await view.progressBars()).some((b) => b.cell === LONG_CELL), 60_000), "its progress bar is shown");

      await view.menu("Kernel", /^Restart Kernel(…|\.\.\.)?$/);
      await view.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click();
      const restartedAt = Date.now();
      const gone = await until(() => !isAlive(kernel) && tracker!.alive().length === 0, 5_000);
      const goneAfterMs = Date.now() - restartedAt;
      tracker.stop();
      assert.ok(gone, `5 s after the restart: old kernel ${isAlive(kernel) ? "alive" : "gone"}, orphans ${JSON.stringify(tracker.alive())} of its ${tracker.all.length} children`);

      // The reader's check that the restart worked: the next cell runs on a new kernel. The
      // server's execution_state is no such check: it follows only the status of execute requests,
      // so after a restart mid-cell it can keep the old kernel's "busy" until the new kernel runs one.
      const restarted = await until(async () => {
        const pid = await view.kernelPid().catch(() => undefined);
        return pid !== undefined && pid !== kernel ? pid : undefined;
      }, 60_000, 250);
      assert.ok(restarted, `a new kernel process runs the notebook within 60 s (old: ${kernel})`);
      await view.select(NEXT_CELL);
      await view.page.keyboard.press("Shift+Enter");
      const after = await view.waitUntilIdle(60_000, 2).catch(withLabLog(env.lab, logStart));
      assert.match(cellText(after[NEXT_CELL]), /next cell ran/, "the next cell ran on the new kernel");
      assert.deepEqual(errorsShown([after[NEXT_CELL]!]), [], "the next cell shows no error");
      assert.equal(descendants(restarted).length, 0, "the new kernel has no child process");
      t.diagnostic(`kernel ${kernel} and its ${tracker.all.length} children were gone ${(goneAfterMs / 1000).toFixed(1)} s after the restart; new kernel ${restarted}`);
    } finally {
      tracker?.stop();
      await view.close();
      await env.lab.shutDown(RESTART_NOTEBOOK);
    }
  });
});
