/**
 * `npm run bench [-- OPTIONS]`: conclab against its peers, measured on this machine. Prints a
 * table per measurement, then the goals, and writes the same data to results/bench.json and the
 * plots to results/bench.html. Benchmarks measure; they never assert: a result worse than its
 * goal is printed as it is, next to the goal, with what limits it.
 *
 * Loads nothing but Node and `conclab` at start: each measurement's module is required when it
 * runs, so `--cores-curve` works on a machine that has only Node and the built project (no
 * tinypool, no Jupyter, no network).
 */
import * as path from "node:path";
import { describeMachine, findPython } from "conclab";
import { formatTable, loadNow, parseIntList, PROJECT_ROOT, type BenchOptions, type Goal, type Section } from "./common";
import type { Report } from "./report";

const MEASUREMENTS = ["dispatch", "startup", "stability", "efficiency", "course", "kernel", "verdicts", "queue"] as const;
type Measurement = (typeof MEASUREMENTS)[number];

const USAGE = `usage: npm run bench [-- OPTIONS]
       node build/bench/main.js [OPTIONS]

Measures conclab against its peers on this machine, interleaved and repeated, and writes
results/bench.json and results/bench.html (or cores-curve.json/.html with --cores-curve).

  1. dispatch    per-task overhead: conclab's thread and process pools against raw
                 worker_threads, piscina, tinypool, raw child_process.fork and worker-farm
  2. efficiency  speedup and efficiency of threads and processes, k = 1..cores copies of a
                 0.5 s CPU task, and of CPython's threads and processes (python strategy)
  3. stability   eventLoop/sequential over 10 runs of the course's first lesson
  4. startup     worker thread vs child process start-up; memory per async task, thread, process
  5. course      wall time and peak memory of executing every notebook; handout sizes
  6. kernel      a trivial cell's round trip on tslab after importing conclab (median, p90 of 20)
  8. verdicts    the course's checks (every chapter's short version) 5 times in a row: per
                 claim, how many runs gave the same verdict (2 runs with --quick)
  9. queue       the job queue: one job's round trip against the pools' hand-off, throughput
                 against plain BullMQ with the same settings, 16 CPU-bound jobs on 1, 2, 4 workers

Options:
  --quick            fewer rounds and smaller tasks: a smoke run (about 3 min), not figures to quote
  --only LIST        run only these measurements, e.g. --only dispatch,startup
                     (names: ${MEASUREMENTS.join(", ")})
  --skip LIST        run all but these
  --cores-curve      run only the speedup curve k = 1..cores (measurement 7) and write
                     cores-curve.json and cores-curve.html; needs nothing but Node and the built
                     project. On 16 cores it takes about 9 min with the defaults
  --ks LIST          values of k for efficiency and the curve, e.g. --ks 1,2,4,8,16 (default 1..cores)
  --task-ms N        duration of one copy of the CPU task in ms (default 500; 200 with --quick)
  --repeats N        timed repeats per k (default 7; 5 for --cores-curve; 3 with --quick)
  --rounds N         rounds of the dispatch measurement, at least 7 (default 11; 7 with --quick)
  --with-python      add CPython's threads and processes to --cores-curve
  --no-python        leave CPython out of the efficiency measurement
  --out DIR          folder for the JSON and HTML files (default: results/ in the project)
  --no-html          write the JSON only
  -h, --help         print this and exit

Benchmarks measure and never fail on a result: the exit code is 0 unless a measurement could not
run (1) or the options are wrong (2).
`;

interface Cli {
  readonly help: boolean;
  readonly coresCurve: boolean;
  readonly run: readonly Measurement[];
  readonly html: boolean;
  readonly options: BenchOptions;
}

class UsageError extends Error {}

function positiveInt(value: string | undefined, flag: string, min = 1, max = 1_000_000): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} needs an integer from ${min} to ${max}, got ${value ?? "nothing"}`);
  return n;
}

function measurementList(value: string | undefined, flag: string): Measurement[] {
  if (!value) throw new UsageError(`${flag} needs a list such as dispatch,startup`);
  const names = value.split(",").map((s) => s.trim());
  for (const name of names) {
    if (!(MEASUREMENTS as readonly string[]).includes(name)) throw new UsageError(`${flag}: unknown measurement ${JSON.stringify(name)}; the names are ${MEASUREMENTS.join(", ")}`);
  }
  return names as Measurement[];
}

function parse(argv: readonly string[]): Cli {
  let help = false;
  let quick = false;
  let coresCurve = false;
  let html = true;
  let only: Measurement[] | undefined;
  let skip: Measurement[] = [];
  let outDir = path.join(PROJECT_ROOT, "results");
  let dispatchRounds: number | undefined;
  let taskMs: number | undefined;
  let repeats: number | undefined;
  let ks: number[] | undefined;
  let withPython = false;
  let noPython = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (arg) {
      case "-h":
      case "--help":
        help = true;
        break;
      case "--quick":
        quick = true;
        break;
      case "--cores-curve":
        coresCurve = true;
        break;
      case "--only":
        only = measurementList(value(), arg);
        break;
      case "--skip":
        skip = measurementList(value(), arg);
        break;
      case "--ks": {
        const text = value();
        if (!text) throw new UsageError("--ks needs a list such as 1,2,4,8,16");
        try {
          ks = parseIntList(text, "--ks");
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      }
      case "--task-ms":
        taskMs = positiveInt(value(), arg, 10, 60_000);
        break;
      case "--repeats":
        repeats = positiveInt(value(), arg, 1, 100);
        break;
      case "--rounds":
        dispatchRounds = positiveInt(value(), arg, 7, 1000);
        break;
      case "--with-python":
        withPython = true;
        break;
      case "--no-python":
        noPython = true;
        break;
      case "--out": {
        const dir = value();
        if (!dir) throw new UsageError("--out needs a folder");
        outDir = path.resolve(dir);
        break;
      }
      case "--no-html":
        html = false;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  const run = MEASUREMENTS.filter((m) => (only ? only.includes(m) : true) && !skip.includes(m));
  if (!coresCurve && run.length === 0) throw new UsageError("--only and --skip left no measurement to run");
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  return { help, coresCurve, run, html, options: { quick, outDir, dispatchRounds, taskMs, repeats, ks, withPython, noPython, log } };
}

/** Requires a measurement's module only when it runs (tinypool and the Jupyter runner stay unloaded otherwise). */
async function runMeasurement(name: Measurement, options: BenchOptions): Promise<Section> {
  switch (name) {
    case "dispatch":
      return (require("./dispatch") as typeof import("./dispatch")).runDispatch(options);
    case "startup":
      return (require("./startup-memory") as typeof import("./startup-memory")).runStartupMemory(options);
    case "stability":
      return (require("./stability") as typeof import("./stability")).runStability(options);
    case "efficiency":
      return (require("./efficiency") as typeof import("./efficiency")).runEfficiency(options, "efficiency");
    case "course":
      return (require("./course") as typeof import("./course")).runCourse(options);
    case "kernel":
      return (require("./kernel") as typeof import("./kernel")).runKernel(options);
    case "verdicts":
      return (require("./verdicts") as typeof import("./verdicts")).runVerdictStability(options);
    case "queue":
      return (require("./queue") as typeof import("./queue")).runQueue(options);
  }
}

function goalLines(goals: readonly Goal[]): string {
  const rows = goals.map((g) => {
    const verdict = g.informational ? "info" : g.met === null ? "NOT MEASURED" : g.met ? "met" : "NOT MET";
    return `[${verdict}] ${g.goal}\n    measured: ${g.measured}${g.note ? `\n    limited by: ${g.note}` : ""}`;
  });
  return ["== Goals", ...(rows.length > 0 ? rows : ["(none for the measurements that ran)"])].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options } = cli;
  const started = Date.now();
  const date = new Date().toISOString();
  const machine = describeMachine();
  const python = cli.coresCurve && !options.withPython ? null : findPython();
  const loadStart = loadNow();
  const note =
    `Measured on ${machine.cores} core(s), ${machine.cpuModel}, Node ${machine.node}` +
    `${python ? `, CPython ${python.version}` : ""}. Load average at the start ${loadStart.map((l) => l.toFixed(2)).join(" ")}: ` +
    "read every figure as this machine at this moment; on a shared machine other work runs beside the benchmark.";
  process.stdout.write(
    `conclab bench, ${date}\n` +
      `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.platform}, ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GB, ` +
      `Node ${machine.node} (V8 ${machine.v8})${python ? `, CPython ${python.version} (${python.command}${python.gil ? "" : ", no GIL"})` : ""}\n` +
      `load average at start: ${loadStart.map((l) => l.toFixed(2)).join(" ")}${options.quick ? "\nquick mode: a smoke run, not figures to quote" : ""}\n\n`,
  );

  const sections: Section[] = [];
  const errors: Record<string, string> = {};
  const names: readonly string[] = cli.coresCurve ? ["cores-curve"] : cli.run;
  for (const name of names) {
    try {
      const section =
        name === "cores-curve"
          ? await (require("./efficiency") as typeof import("./efficiency")).runEfficiency(options, "cores-curve")
          : await runMeasurement(name as Measurement, options);
      sections.push(section);
      process.stdout.write(`${section.tables.map(formatTable).join("\n\n")}\n\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors[name] = message;
      process.stdout.write(`== ${name}: could not run: ${message}\n\n`);
      if (process.env.CONCLAB_BENCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    }
  }
  const goals = sections.flatMap((s) => s.goals);
  process.stdout.write(`${goalLines(goals)}\n\n`);

  const base = cli.coresCurve ? "cores-curve" : "bench";
  const report: Report = {
    benchmark: "conclab",
    mode: cli.coresCurve ? "cores-curve" : "bench",
    date,
    command: ["node build/bench/main.js", ...argv].join(" "),
    quick: options.quick,
    machine: {
      ...machine,
      python: python ? { command: python.command, version: python.version, gil: python.gil } : null,
      loadAverageAtStart: loadStart,
      loadAverageAtEnd: loadNow(),
    },
    note,
    goals,
    measurements: Object.fromEntries(sections.map((s) => [s.key, s.data])),
    errors,
    tables: sections.flatMap((s) => s.tables),
    elapsedS: (Date.now() - started) / 1000,
  };
  const { writeJson, writeHtml } = require("./report") as typeof import("./report");
  const jsonFile = path.join(options.outDir, `${base}.json`);
  writeJson(jsonFile, report);
  process.stdout.write(`wrote ${path.relative(process.cwd(), jsonFile) || jsonFile}\n`);
  if (cli.html) {
    const htmlFile = path.join(options.outDir, `${base}.html`);
    try {
      writeHtml(htmlFile, report, sections);
      process.stdout.write(`wrote ${path.relative(process.cwd(), htmlFile) || htmlFile}\n`);
    } catch (error) {
      process.stdout.write(`could not write ${htmlFile}: ${(error as Error).message}\n`);
    }
  }
  process.stdout.write(`done in ${report.elapsedS.toFixed(0)} s\n`);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
