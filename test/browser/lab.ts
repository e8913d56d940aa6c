/**
 * JupyterLab as a reader runs it, for the browser tests: `npm start` (scripts/start.cjs) on a
 * free port, then notebooks opened in headless Chromium and driven through Lab's own menus and
 * buttons, with what the reader sees read back from the page.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, Locator, Page } from "playwright-core";
import { PROJECT_ROOT } from "../../tools/paths";
import { descendants, isAlive, signal } from "../../tools/proc";
import { freePort } from "../../tools/runner/jupyter-server";
import { openOffline, type OfflinePage } from "./chromium";

const START = path.join(PROJECT_ROOT, "scripts", "start.cjs");

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/**
 * The class of the widget that jupyterlab-plotly (the plotly wheel's Lab extension) registers as
 * the renderer of PLOTLY_MIME. Lab marks the outputs of its own renderers with `data-mime-type`;
 * this one it does not, so the class is what tells the plotly renderer from the HTML fallback
 * (a `div.conclab-plot` in a `data-mime-type="text/html"` output).
 */
export const PLOTLY_RENDERER_CLASS = "jp-RenderedPlotly";
export const STDERR_MIME = "application/vnd.jupyter.stderr";

/** Polls `condition` until it holds or `withinMs` passes; returns its last value. */
export async function until<T>(condition: () => T | Promise<T>, withinMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + withinMs;
  let value = await condition();
  while (!value && Date.now() < deadline) {
    await sleep(everyMs);
    value = await condition();
  }
  return value;
}

/** The command line of a live process, arguments joined by spaces ("" when it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Every process ever seen below `pid` while tracking: children that die or get reparented stay listed. */
export class DescendantTracker {
  private readonly seen = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly pid: number, intervalMs = 50) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  poll(): void {
    for (const child of descendants(this.pid)) this.seen.add(child);
  }

  get all(): number[] {
    return [...this.seen];
  }

  /** Those still alive, wherever they are now (below the kernel or reparented to init). */
  alive(): number[] {
    return this.all.filter(isAlive);
  }

  stop(): void {
    this.poll();
    clearInterval(this.timer);
  }
}

export interface Session {
  readonly id: string;
  readonly path: string;
  readonly kernel: { readonly id: string; readonly execution_state: string } | null;
}

/** JupyterLab started by `npm start` (scripts/start.cjs, CONCLAB_NO_BROWSER=1, a free port). */
export class RunningLab {
  private readonly exitHook = (): void => this.killAll();
  private readonly known = new Set<number>();
  private readonly watcher: NodeJS.Timeout;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: URL,
    private readonly log: () => string,
    readonly exited: Promise<number | null>,
  ) {
    process.once("exit", this.exitHook);
    this.watcher = setInterval(() => this.remember(), 200);
  }

  get origin(): string {
    return this.url.origin;
  }

  get token(): string {
    return this.url.searchParams.get("token") ?? "";
  }

  /** The pid of `node scripts/start.cjs`; JupyterLab and its kernels run below it. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  output(): string {
    return this.log();
  }

  /**
   * Runs scripts/start.cjs with `env` added and waits until Lab answers. `env` should set
   * CONCLAB_NOTEBOOK_DIR (a folder inside the repository, so notebooks import conclab).
   */
  static async start(env: NodeJS.ProcessEnv, startTimeoutMs = 120_000): Promise<RunningLab> {
    const port = await freePort();
    let log = "";
    const child = spawn(process.execPath, [START], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CONCLAB_NO_BROWSER: "1", CONCLAB_PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let gone = false;
    void exited.then(() => (gone = true));
    const match = await until(() => gone || /JupyterLab at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+)/.exec(log), startTimeoutMs);
    if (!match || match === true) {
      child.kill("SIGTERM");
      throw new Error(`npm start printed no JupyterLab URL${gone ? " and exited" : ""}:\n${log}`);
    }
    const lab = new RunningLab(child, new URL(match[1]!), () => log, exited);
    const answered = await until(async () => gone || (await fetch(`${lab.origin}/api/status`, lab.auth()).then((r) => r.ok, () => false)), startTimeoutMs, 200);
    if (!answered || gone) {
      await lab.stop();
      throw new Error(`JupyterLab did not answer at ${lab.origin}:\n${log}`);
    }
    return lab;
  }

  private auth(init: RequestInit = {}): RequestInit {
    return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `token ${this.token}` } };
  }

  /** A call to Jupyter's REST API with the token. */
  async api<T>(route: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${this.origin}${route}`, this.auth(init));
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${route}: HTTP ${response.status}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  async sessions(): Promise<Session[]> {
    return this.api<Session[]>("/api/sessions");
  }

  async session(notebook: string): Promise<Session | undefined> {
    return (await this.sessions()).find((s) => s.path === notebook);
  }

  /** Shuts a notebook's kernel down (its session ends), as closing it with "shut down kernel" does. */
  async shutDown(notebook: string): Promise<void> {
    const session = await this.session(notebook).catch(() => undefined);
    if (session) await this.api(`/api/sessions/${session.id}`, { method: "DELETE" }).catch(() => undefined);
  }

  /** The pid of the tslab kernel process behind a kernel id (its connection file names the id). */
  kernelPid(kernelId: string): number | undefined {
    return descendants(this.pid).find((pid) => {
      const line = commandLine(pid);
      return line.includes("tslab") && line.includes(`kernel-${kernelId}.json`);
    });
  }

  private remember(): void {
    if (this.child.pid) for (const pid of [this.child.pid, ...descendants(this.child.pid)]) this.known.add(pid);
  }

  private killAll(): void {
    for (const pid of this.known) signal(pid, "SIGKILL");
  }

  /**
   * Stops Lab the way a reader's terminal does (SIGTERM to npm start, which forwards it; Jupyter
   * shuts its kernels down), then kills whatever it started that is still alive after 20 s.
   */
  async stop(): Promise<void> {
    this.remember();
    clearInterval(this.watcher);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const ended = await Promise.race([this.exited.then(() => true), sleep(20_000).then(() => false)]);
    const clean = await until(() => [...this.known].filter(isAlive).length === 0, ended ? 5_000 : 0);
    if (!clean) this.killAll();
    process.removeListener("exit", this.exitHook);
  }
}

/** A code cell as the reader sees it: its prompt and its outputs. */
export interface CellView {
  readonly index: number;
  readonly prompt: string;
  readonly outputs: readonly { readonly mime: string; readonly text: string }[];
}

/** One notebook open in Lab in Chromium, driven through Lab's menus, toolbar and keyboard. */
export class LabNotebook {
  private constructor(
    readonly lab: RunningLab,
    readonly path: string,
    readonly opened: OfflinePage,
  ) {}

  get page(): Page {
    return this.opened.page;
  }

  /**
   * Opens `notebook` (relative to Lab's root) with nothing reachable outside Lab's own origin, and
   * waits until its tslab kernel is idle. Each notebook gets a workspace of its own
   * (/lab/workspaces/NAME/tree/PATH): Lab restores the tabs of the last page in a workspace, and
   * a tab restored from another test would start a kernel of its own.
   */
  static async open(browser: Browser, lab: RunningLab, notebook: string, viewport = { width: 1280, height: 1000 }): Promise<LabNotebook> {
    const workspace = `conclab-${notebook.replace(/[^A-Za-z0-9-]+/g, "-")}`;
    const url = `${lab.origin}/lab/workspaces/${workspace}/tree/${notebook.split("/").map(encodeURIComponent).join("/")}?token=${lab.token}`;
    const opened = await openOffline(browser, url, { viewport });
    const view = new LabNotebook(lab, notebook, opened);
    try {
      await view.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first().waitFor({ timeout: 90_000 });
      await view.waitForKernel("idle", 90_000);
    } catch (error) {
      await opened.close();
      throw error;
    }
    return view;
  }

  /** Requests that left Lab's origin (websockets to Lab itself are expected and not listed). */
  foreignRequests(): string[] {
    const own = new URL(this.lab.origin);
    return this.opened.blockedRequests.filter((url) => {
      const parsed = new URL(url);
      return !(/^wss?:$/.test(parsed.protocol) && parsed.host === own.host);
    });
  }

  async kernelId(): Promise<string | undefined> {
    return (await this.lab.session(this.path))?.kernel?.id;
  }

  /** Waits until the server reports this notebook's kernel in `state` ("idle", "busy", …). */
  async waitForKernel(state: string, withinMs: number): Promise<void> {
    const reached = await until(async () => (await this.lab.session(this.path).catch(() => undefined))?.kernel?.execution_state === state, withinMs, 200);
    if (!reached) throw new Error(`the kernel of ${this.path} did not become ${state} within ${withinMs / 1000} s; server says ${JSON.stringify(await this.lab.session(this.path))}`);
  }

  /** The tslab process running this notebook's kernel now. */
  async kernelPid(withinMs = 10_000): Promise<number> {
    const pid = await until(async () => {
      const id = await this.kernelId();
      return id ? this.lab.kernelPid(id) : undefined;
    }, withinMs, 200);
    if (!pid) throw new Error(`no tslab process found for ${this.path} below npm start (pid ${this.lab.pid})`);
    return pid;
  }

  /** Clicks a top menu ("Run", "Kernel", …) and one of its items, as a reader does. */
  async menu(top: string, item: string | RegExp): Promise<void> {
    await this.page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
    const entry = this.page.locator(".lm-Menu-content .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel", {
      hasText: typeof item === "string" ? new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : item,
    });
    await entry.first().click();
  }

  /** Code cells, in order. */
  codeCells(): Locator {
    return this.page.locator(".jp-NotebookPanel .jp-Notebook .jp-CodeCell");
  }

  /** What every code cell shows: its prompt ("[3]:", "[*]:", "[ ]:") and its outputs. */
  async cells(): Promise<CellView[]> {
    return this.page.evaluate(() =>
      Array.from(document.querySelectorAll(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")).map((cell, index) => ({
        index,
        prompt: (cell.querySelector(".jp-InputArea-prompt")?.textContent ?? "").trim(),
        outputs: Array.from(cell.querySelectorAll(".jp-OutputArea-output")).map((output) => ({
          mime: output.getAttribute("data-mime-type") ?? "",
          // textContent, not innerText: cells scrolled out of view are not laid out (content-visibility).
          text: output.textContent ?? "",
        })),
      })),
    );
  }

  /**
   * Waits until no code cell is running or queued ("[*]") and at least `executed` cells show an
   * execution count; returns what they show then.
   */
  async waitUntilIdle(withinMs: number, executed = 1): Promise<CellView[]> {
    const settled = await until(async () => {
      const cells = await this.cells();
      const running = cells.some((c) => c.prompt.includes("*"));
      const done = cells.filter((c) => /^\[\d+\]/.test(c.prompt)).length;
      return !running && done >= executed ? cells : null;
    }, withinMs, 250);
    if (!settled) throw new Error(`cells still running after ${withinMs / 1000} s: ${JSON.stringify((await this.cells()).map((c) => c.prompt))}`);
    return settled;
  }

  /** Selects a code cell in command mode (click its prompt, then Escape), as a reader does before Shift+Enter. */
  async select(codeCell: number): Promise<void> {
    await this.codeCells().nth(codeCell).locator(".jp-InputArea-prompt").click();
    await this.page.keyboard.press("Escape");
  }

  /** Starts recording every progress bar that appears (the cell it is in and its text). */
  async recordProgressBars(): Promise<void> {
    await this.page.evaluate(() => {
      const record: { cell: number; text: string }[] = [];
      (window as unknown as { conclabProgress: typeof record }).conclabProgress = record;
      const scan = (): void => {
        const cells = Array.from(document.querySelectorAll(".jp-NotebookPanel .jp-Notebook .jp-CodeCell"));
        for (const bar of Array.from(document.querySelectorAll(".conclab-progress"))) {
          const cell = cells.indexOf(bar.closest(".jp-CodeCell") as Element);
          const text = (bar.textContent ?? "").trim();
          if (!record.some((r) => r.cell === cell && r.text === text)) record.push({ cell, text });
        }
      };
      new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
      scan();
    });
  }

  /** The progress bars recorded since recordProgressBars(). */
  async progressBars(): Promise<{ cell: number; text: string }[]> {
    return this.page.evaluate(() => (window as unknown as { conclabProgress?: { cell: number; text: string }[] }).conclabProgress ?? []);
  }

  async close(): Promise<void> {
    await this.opened.close().catch(() => undefined);
  }
}
