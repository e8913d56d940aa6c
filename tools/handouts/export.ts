/**
 * Handouts: executes notebooks on the real tslab kernel (through the @jupyterlab/services runner),
 * keeps the executed copies and exports each to one self-contained HTML file with nbconvert, plus
 * an index.html. Everything is written into a staging folder inside the output folder and moved
 * into place only when every notebook succeeded, so a failed run leaves the previous output as it
 * was.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { describeMachine, findPython } from "conclab";
import { jupyterEnv, PROJECT_ROOT, venvExecutable } from "../paths";
import { executeNotebook, type ExecuteOptions } from "../runner/execute-notebook";
import { JupyterServer } from "../runner/jupyter-server";
import { readNotebook } from "../runner/nbformat";
import { indexPage, summarizeNotebook, type IndexEntry, type RunDescription } from "./index-page";

/** The size a handout should stay under, to be sent by email. */
export const HANDOUT_TARGET_BYTES = 2 * 1024 * 1024;
/** Folder holding the nbconvert template `conclab-handout` (the sources, not build/). */
export const TEMPLATE_DIR = path.join(PROJECT_ROOT, "tools", "handouts", "templates");
/** The Python side: one executed notebook → one HTML file, with nbconvert's HTMLExporter. */
export const TO_HTML_SCRIPT = path.join(PROJECT_ROOT, "tools", "handouts", "to_html.py");
/** The folders of the output folder that a successful run replaces; anything else there is left alone. */
export const OUTPUT_FOLDERS = ["handouts", "notebooks"] as const;

/** An export step other than a notebook cell failed (nbconvert, or a handout that is not self-contained). */
export class HandoutExportError extends Error {
  override readonly name = "HandoutExportError";
  constructor(
    readonly notebook: string,
    detail: string,
  ) {
    super(`${notebook}: ${detail}`);
  }
}

export interface HandoutInspection {
  readonly bytes: number;
  /** Addresses on other hosts that the page would load (scripts, stylesheets, images, frames, CSS imports, module imports). */
  readonly remoteReferences: string[];
  /** How many copies of plotly.js the page holds. */
  readonly plotlyCopies: number;
  /** How many plot divs (`show()` outputs) the page holds. */
  readonly plots: number;
}

const REMOTE = String.raw`(?:https?:)?\/\/[^"'\s>)]+`;
const REMOTE_PATTERNS: readonly RegExp[] = [
  // an element that loads what its src/href/… names (not <a href>, which only links)
  new RegExp(String.raw`<(?:script|link|img|iframe|frame|source|embed|object|video|audio|track|image|use)\b[^>]*?\s(?:src|href|xlink:href|data|poster|srcset)\s*=\s*["']?\s*(${REMOTE})`, "gi"),
  new RegExp(String.raw`@import\s+(?:url\()?\s*["']?(${REMOTE})`, "gi"),
  new RegExp(String.raw`url\(\s*["']?(${REMOTE})`, "gi"),
  new RegExp(String.raw`\bimport\(\s*["'](${REMOTE})`, "gi"),
];
const PLOTLY_BANNER = /plotly\.js \([^)\n]*\) v\d+\.\d+\.\d+/g;

/**
 * What a handout loads from elsewhere, how many plotly.js copies and plots it holds, its size.
 * Inlined scripts are skipped when looking for remote references (plotly.js mentions URLs in code
 * it never runs offline); the browser test catches any request that happens anyway.
 */
export function inspectHandout(html: string): HandoutInspection {
  const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, "$1$2");
  const remoteReferences = REMOTE_PATTERNS.flatMap((pattern) => [...markup.matchAll(pattern)].map((m) => m[1]!));
  return {
    bytes: Buffer.byteLength(html, "utf8"),
    remoteReferences: [...new Set(remoteReferences)],
    plotlyCopies: (html.match(PLOTLY_BANNER) ?? []).length,
    plots: (html.match(/<div\b[^>]*\sclass="conclab-plot"/g) ?? []).length,
  };
}

/**
 * Points relative links to the course's notebooks (`02-the-gil.ipynb`, `./02-the-gil.ipynb#x`) at
 * their handouts instead (`02-the-gil.html`), for the notebooks in `names`.
 */
export function linkHandouts(html: string, names: ReadonlySet<string>): string {
  return html.replace(/(<a\b[^>]*\shref="(?:\.\/)?)([^"/:?#]+)\.ipynb((?:#[^"]*)?")/gi, (link, start: string, name: string, end: string) =>
    names.has(decodeURIComponent(name)) ? `${start}${name}.html${end}` : link,
  );
}

export interface ConversionJob {
  /** The executed notebook (.ipynb with outputs). */
  readonly executed: string;
  /** The HTML file to write. */
  readonly out: string;
  /** Folder of the original notebook: relative image paths in its Markdown are resolved there. */
  readonly sourceDir: string;
  /** The page title. */
  readonly title?: string;
}

/**
 * nbconvert in one long-lived Python process (tools/handouts/to_html.py --serve): importing
 * nbconvert takes seconds, so it is started once, early, and converts one notebook per request.
 */
export class HtmlConverter {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | null) => void> = [];
  private readonly log: string[] = [];
  private exited = false;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.lines.push(line);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.log.push(chunk.toString("utf8"));
      if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
    });
    child.once("close", () => {
      this.exited = true;
      for (const next of this.waiting.splice(0)) next(null);
    });
    child.stdin.on("error", () => undefined); // a converter that died is reported by convert()
  }

  /** Starts the converter with the project's .venv Python (it imports nbconvert while the caller goes on). */
  static start(): HtmlConverter {
    const python = venvExecutable("python");
    if (!existsSync(python)) throw new HandoutExportError("nbconvert", `${python} not found: the Python environment is missing; run \`npm run setup\``);
    const child = spawn(python, [TO_HTML_SCRIPT, "--serve", TEMPLATE_DIR], { cwd: PROJECT_ROOT, env: jupyterEnv(), stdio: ["pipe", "pipe", "pipe"] });
    return new HtmlConverter(child);
  }

  private nextLine(): Promise<string | null> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift()!);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** What the converter wrote on stderr lately (warnings, a traceback). */
  logTail(lines = 15): string {
    return this.log.join("").trim().split("\n").slice(-lines).join("\n");
  }

  /** Converts one notebook; rejects with a HandoutExportError naming `notebook` (default: the executed file). */
  async convert(job: ConversionJob, notebook: string = job.executed): Promise<void> {
    if (!this.exited) this.child.stdin.write(`${JSON.stringify({ executed: job.executed, out: job.out, source_dir: job.sourceDir, title: job.title })}\n`);
    for (;;) {
      const line = await this.nextLine();
      if (line === null) {
        throw new HandoutExportError(notebook, `nbconvert stopped before it exported the notebook (exit code ${this.child.exitCode}):\n${this.logTail()}`);
      }
      let answer: { ready?: boolean; ok?: boolean; error?: string };
      try {
        answer = JSON.parse(line) as typeof answer;
      } catch {
        continue;
      }
      if (answer.ready) continue;
      if (answer.ok && existsSync(job.out)) return;
      throw new HandoutExportError(notebook, `nbconvert could not export it to HTML:\n${(answer.error ?? "no error message").trim()}`);
    }
  }

  /** Ends the converter (stdin closed, then SIGKILL after `graceMs`). */
  async close(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await closed;
    clearTimeout(timer);
  }
}

export interface Handout extends IndexEntry {
  /** The notebook that was executed. */
  readonly notebook: string;
  /** Where the handout and the executed notebook are once the run succeeded. */
  readonly html: string;
  readonly executed: string;
  readonly inspection: HandoutInspection;
  /** Things worth saying that do not stop the export (a handout over 2 MB). */
  readonly warnings: string[];
  /** Seconds spent executing the notebook. */
  readonly seconds: number;
}

export interface BuildOptions {
  /** Notebooks in the order the index lists them. */
  readonly notebooks: readonly string[];
  /** Folder that receives `handouts/` and `notebooks/` (the project's `dist/`). */
  readonly outDir: string;
  /** Options for each notebook's execution (cell timeout, kernel name, onCell). */
  readonly execute?: ExecuteOptions;
  /** Starts the Jupyter server (default: a private one serving the notebooks' common folder). */
  readonly startServer?: (rootDir: string) => Promise<JupyterServer>;
  /** Called when a notebook starts and when its handout has been written (to the staging folder). */
  readonly onNotebook?: (notebook: string, position: number, of: number) => void;
  readonly onHandout?: (handout: Handout) => void;
  /** The date the index shows. Default: now. */
  readonly date?: Date;
}

export interface BuildResult {
  readonly handouts: Handout[];
  /** `OUT/handouts/index.html`. */
  readonly index: string;
  readonly run: RunDescription;
}

/** The deepest folder that holds every one of the files. */
function commonFolder(files: readonly string[]): string {
  const split = files.map((f) => path.dirname(path.resolve(f)).split(path.sep));
  const first = split[0]!;
  let depth = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < depth && parts[i] === first[i]) i++;
    depth = i;
  }
  return first.slice(0, depth).join(path.sep) || path.sep;
}

/** Moves the staged folders into `outDir`, replacing the previous ones, then removes the staging folder. */
function install(staging: string, outDir: string): void {
  const previous = path.join(staging, "previous");
  mkdirSync(previous);
  for (const folder of OUTPUT_FOLDERS) {
    const target = path.join(outDir, folder);
    if (existsSync(target)) renameSync(target, path.join(previous, folder));
  }
  for (const folder of OUTPUT_FOLDERS) renameSync(path.join(staging, folder), path.join(outDir, folder));
  rmSync(staging, { recursive: true, force: true });
}

/**
 * Executes each notebook, writes its executed copy and its HTML handout, then the index, and
 * installs `handouts/` and `notebooks/` into `outDir` only when all of them succeeded. Throws the
 * runner's NotebookCellError (notebook, cell, error) or a HandoutExportError at the first failure,
 * leaving `outDir` as it was.
 */
export async function buildHandouts(options: BuildOptions): Promise<BuildResult> {
  if (options.notebooks.length === 0) throw new TypeError("no notebooks to export: pass at least one .ipynb file");
  const notebooks = options.notebooks.map((f) => path.resolve(f));
  const names = notebooks.map((f) => path.basename(f, ".ipynb"));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new TypeError(`two notebooks are named ${duplicate}.ipynb; handouts are named after their notebook, rename one`);
  for (const file of notebooks) readNotebook(file); // a broken file fails before anything runs

  const outDir = path.resolve(options.outDir);
  const createdOutDir = !existsSync(outDir);
  mkdirSync(outDir, { recursive: true });
  const staging = mkdtempSync(path.join(outDir, ".staging-"));
  const stagedHandouts = path.join(staging, "handouts");
  const stagedNotebooks = path.join(staging, "notebooks");
  mkdirSync(stagedHandouts);
  mkdirSync(stagedNotebooks);

  // Ctrl-C (the CLI exits) or a crash: no half-built staging folder is left behind.
  const removeStaging = (): void => rmSync(staging, { recursive: true, force: true });
  process.once("exit", removeStaging);

  const run: RunDescription = { machine: describeMachine(), python: findPython(), date: options.date ?? new Date() };
  const handouts: Handout[] = [];
  let converter: HtmlConverter | undefined;
  try {
    converter = HtmlConverter.start();
    const rootDir = commonFolder(notebooks);
    const server = await (options.startServer ?? ((root) => JupyterServer.start({ rootDir: root })))(rootDir);
    try {
      for (const [i, notebook] of notebooks.entries()) {
        options.onNotebook?.(notebook, i + 1, notebooks.length);
        const name = names[i]!;
        const started = Date.now();
        const executed = await executeNotebook(server, notebook, options.execute);
        const seconds = (Date.now() - started) / 1000;
        const executedFile = path.join(stagedNotebooks, `${name}.ipynb`);
        writeFileSync(executedFile, `${JSON.stringify(executed, null, 1)}\n`);
        const { title, summary } = summarizeNotebook(executed, name);
        const htmlFile = path.join(stagedHandouts, `${name}.html`);
        await converter.convert({ executed: executedFile, out: htmlFile, sourceDir: path.dirname(notebook), title }, notebook);
        const converted = readFileSync(htmlFile, "utf8");
        const page = linkHandouts(converted, new Set(names));
        if (page !== converted) writeFileSync(htmlFile, page);
        const inspection = inspectHandout(page);
        if (inspection.remoteReferences.length > 0) {
          throw new HandoutExportError(notebook, `the handout would load from other hosts: ${inspection.remoteReferences.join(", ")}`);
        }
        if (inspection.plots > 0 && inspection.plotlyCopies === 0) {
          throw new HandoutExportError(notebook, `the handout has ${inspection.plots} plot(s) but no copy of plotly.js; is conclab/kernel's show() used?`);
        }
        const warnings: string[] = [];
        if (inspection.bytes > HANDOUT_TARGET_BYTES) {
          warnings.push(`${(inspection.bytes / 2 ** 20).toFixed(2)} MB, over the ${HANDOUT_TARGET_BYTES / 2 ** 20} MB target for email`);
        }
        if (inspection.plotlyCopies > 1) warnings.push(`plotly.js is inlined ${inspection.plotlyCopies} times instead of once`);
        const handout: Handout = {
          notebook,
          file: `${name}.html`,
          html: path.join(outDir, "handouts", `${name}.html`),
          executed: path.join(outDir, "notebooks", `${name}.ipynb`),
          bytes: statSync(htmlFile).size,
          title,
          summary,
          inspection,
          warnings,
          seconds,
        };
        handouts.push(handout);
        options.onHandout?.(handout);
      }
    } finally {
      await server.stop();
      await converter.close();
    }
    writeFileSync(path.join(stagedHandouts, "index.html"), indexPage(handouts, run));
    install(staging, outDir);
  } catch (error) {
    await converter?.close();
    removeStaging();
    if (createdOutDir && readdirSync(outDir).length === 0) rmdirSync(outDir);
    throw error;
  } finally {
    process.removeListener("exit", removeStaging);
  }
  return { handouts, index: path.join(outDir, "handouts", "index.html"), run };
}
