/**
 * Measurement 5, the course itself: wall time and peak memory of executing every notebook on the
 * tslab kernel under a private Jupyter server (the memory of the server's whole process tree:
 * server, kernel, its workers and children, sampled from /proc), and the size of each handout
 * that `npm run handouts` built into dist/handouts/.
 *
 * Loads the notebook runner (and @jupyterlab/services) itself: main.ts requires this module only
 * when the measurement runs.
 */
import "../tools/quiet-services";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { type Figure } from "conclab";
import { descendants } from "../tools/proc";
import { executeNotebook } from "../tools/runner/execute-notebook";
import { JupyterServer } from "../tools/runner/jupyter-server";
import { courseNotebooks } from "../tools/runner/notebook-list";
import { fixed, MB, mb, PROJECT_ROOT, type BenchOptions, type Goal, type Section } from "./common";

const WALL_GOAL_S = 360;
const RSS_GOAL_BYTES = 1.5 * 1024 ** 3;
const HANDOUT_GOAL_BYTES = 2 * MB;
const SAMPLE_MS = 250;

export interface CourseData {
  readonly notebooks: { readonly file: string; readonly seconds: number; readonly cells: number; readonly error?: string }[];
  /** From asking for the server to its stop: what `npm run run-notebooks` costs. */
  readonly wallS: number;
  /** Executing the notebooks only (server already up). */
  readonly notebooksS: number;
  readonly serverStartS: number;
  /** Largest sum of VmRSS over the server's process tree (shared pages counted in each process). */
  readonly peakRssBytes: number;
  /** Largest sum of PSS over the same tree (shared pages split), where /proc has smaps_rollup. */
  readonly peakPssBytes: number | null;
  readonly peakProcesses: number;
  readonly samples: { readonly tS: number; readonly rssBytes: number; readonly pssBytes: number | null; readonly processes: number }[];
  readonly handouts: { readonly built: boolean; readonly dir: string; readonly files: { readonly file: string; readonly bytes: number }[] };
}

function statusRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // gone while we looked
  }
}

function rollupPss(pid: number): number | null {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function handoutSizes(): CourseData["handouts"] {
  const dir = path.join(PROJECT_ROOT, "dist", "handouts");
  if (!existsSync(dir)) return { built: false, dir, files: [] };
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".html"))
    .sort()
    .map((name) => ({ file: name, bytes: statSync(path.join(dir, name)).size }));
  return { built: files.length > 0, dir, files };
}

export async function runCourse(options: BenchOptions): Promise<Section<CourseData>> {
  const notebooks = courseNotebooks();
  const samples: CourseData["samples"][number][] = [];
  const t0 = Date.now();
  let server: JupyterServer | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sample = (): void => {
    if (!server) return;
    const pids = [server.pid, ...descendants(server.pid)];
    const pss = pids.map(rollupPss);
    samples.push({
      tS: (Date.now() - t0) / 1000,
      rssBytes: pids.reduce((sum, pid) => sum + statusRss(pid), 0),
      pssBytes: pss.every((v) => v !== null) ? pss.reduce((a, b) => a! + b!, 0) : null,
      processes: pids.length,
    });
  };
  const ran: CourseData["notebooks"] = [];
  let serverStartS: number;
  let notebooksS: number;
  options.log(`course: starting a Jupyter server and executing ${notebooks.length} notebook(s)`);
  try {
    server = await JupyterServer.start();
    serverStartS = (Date.now() - t0) / 1000;
    timer = setInterval(sample, SAMPLE_MS);
    sample();
    const n0 = Date.now();
    for (const file of notebooks) {
      const started = Date.now();
      let cells = 0;
      options.log(`course: ${path.basename(file)}`);
      try {
        await executeNotebook(server, file, { onCell: (_cell, of) => (cells = of) });
        ran.push({ file: path.relative(PROJECT_ROOT, file), seconds: (Date.now() - started) / 1000, cells });
      } catch (error) {
        // One failing notebook stops that notebook, not the measurement: the others still run.
        const message = (error instanceof Error ? error.message : String(error)).split("\n").slice(0, 3).join(" ");
        options.log(`course: ${path.basename(file)} failed: ${message}`);
        ran.push({ file: path.relative(PROJECT_ROOT, file), seconds: (Date.now() - started) / 1000, cells, error: message });
      }
    }
    notebooksS = (Date.now() - n0) / 1000;
    sample();
  } finally {
    clearInterval(timer);
    await server?.stop();
  }
  const wallS = (Date.now() - t0) / 1000;
  const peakRssBytes = Math.max(0, ...samples.map((s) => s.rssBytes));
  const pssValues = samples.map((s) => s.pssBytes).filter((v): v is number => v !== null);
  const data: CourseData = {
    notebooks: ran,
    wallS,
    notebooksS,
    serverStartS,
    peakRssBytes,
    peakPssBytes: pssValues.length > 0 ? Math.max(...pssValues) : null,
    peakProcesses: Math.max(0, ...samples.map((s) => s.processes)),
    samples,
    handouts: handoutSizes(),
  };

  const failed = ran.filter((nb) => nb.error !== undefined);
  const failedNote =
    failed.length > 0
      ? `${failed.map((nb) => `${nb.file} failed (${nb.error})`).join("; ")}: a failed notebook stops at its failing cell, so the time and memory cover less than the whole course`
      : undefined;
  const goals: Goal[] = [
    {
      id: "course.wall",
      goal: `executing all notebooks ≤ ${WALL_GOAL_S / 60} min on 2 cores`,
      measured: `${fixed(wallS, 1)} s with server start-up and stop (${fixed(notebooksS, 1)} s for the ${ran.length} notebook(s) alone${failed.length > 0 ? `, ${failed.length} of them failed` : ""})`,
      met: failed.length > 0 && wallS <= WALL_GOAL_S ? null : wallS <= WALL_GOAL_S,
      note: failedNote ?? (ran.length <= 1 ? `only ${ran.length} notebook exists in notebooks/ so far: the figure will grow with the course` : undefined),
    },
    {
      id: "course.peak-rss",
      goal: "peak RSS ≤ 1.5 GB on 2 cores",
      measured: `${mb(peakRssBytes, 0)} MB summed VmRSS of the server's process tree (PSS ${data.peakPssBytes === null ? "n/a" : `${mb(data.peakPssBytes, 0)} MB`}), up to ${data.peakProcesses} processes`,
      met: failed.length > 0 && peakRssBytes <= RSS_GOAL_BYTES ? null : peakRssBytes <= RSS_GOAL_BYTES,
      note: failedNote,
    },
    data.handouts.built
      ? {
          id: "course.handout-size",
          goal: "each handout ≤ 2 MB",
          measured: data.handouts.files.map((f) => `${f.file} ${mb(f.bytes, 2)} MB`).join(", "),
          met: data.handouts.files.every((f) => f.bytes <= HANDOUT_GOAL_BYTES),
        }
      : {
          id: "course.handout-size",
          goal: "each handout ≤ 2 MB",
          measured: "not measured: the handouts were not built (no dist/handouts/*.html; `npm run handouts` builds them)",
          met: null,
        },
  ];
  const rows = ran.map((nb) => [nb.file, String(nb.cells), fixed(nb.seconds, 1), nb.error === undefined ? "ok" : `FAILED: ${nb.error.slice(0, 100)}`]);
  rows.push(["all notebooks (server already up)", String(ran.reduce((s, nb) => s + nb.cells, 0)), fixed(notebooksS, 1), ""]);
  rows.push(["total with server start-up and stop", "", fixed(wallS, 1), ""]);
  return {
    key: "course",
    title: "5. The course itself",
    data,
    goals,
    figures: [courseFigure(data)],
    tables: [
      {
        title: "The course: executing every notebook on tslab under a private Jupyter server",
        headers: ["notebook", "code cells", "wall s", "outcome"],
        rows,
        notes: [
          `Peak memory of the server's process tree, sampled every ${SAMPLE_MS} ms: ${mb(peakRssBytes, 0)} MB summed VmRSS, ` +
            `${data.peakPssBytes === null ? "PSS not available" : `${mb(data.peakPssBytes, 0)} MB summed PSS`}, ${data.peakProcesses} processes at most. ` +
            "The benchmark's own process (the client that drives the kernel) is not counted.",
        ],
      },
      {
        title: "Handouts (dist/handouts/*.html)",
        headers: ["file", "size MB", "≤ 2 MB"],
        rows: data.handouts.built
          ? data.handouts.files.map((f) => [f.file, mb(f.bytes, 2), f.bytes <= HANDOUT_GOAL_BYTES ? "yes" : "no"])
          : [["(not built: run `npm run handouts` first)", "-", "-"]],
      },
    ],
  };
}

function courseFigure(data: CourseData): Figure {
  return {
    data: [
      { type: "scatter", mode: "lines", name: "summed VmRSS", x: data.samples.map((s) => s.tS), y: data.samples.map((s) => s.rssBytes / MB), line: { color: "#1f80b8", width: 2 } },
      {
        type: "scatter",
        mode: "lines",
        name: "summed PSS",
        x: data.samples.map((s) => s.tS),
        y: data.samples.map((s) => (s.pssBytes === null ? null : s.pssBytes / MB)),
        line: { color: "#7fbf7b", width: 2 },
      },
      { type: "scatter", mode: "lines", name: "goal 1.5 GB", x: [0, data.wallS], y: [1536, 1536], line: { color: "#777777", dash: "dash" }, hoverinfo: "skip" },
    ],
    layout: {
      title: { text: `The course: memory of the Jupyter server's process tree while ${data.notebooks.length} notebook(s) ran (${data.wallS.toFixed(0)} s)` },
      xaxis: { title: { text: "seconds since the server was asked for" } },
      yaxis: { title: { text: "MB" }, rangemode: "tozero" },
      height: 400,
    },
  };
}
