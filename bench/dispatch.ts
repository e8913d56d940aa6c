/**
 * Measurement 1, dispatch overhead: the cost of sending one trivial task to a pool of `cores`
 * workers and getting its answer back, for conclab's thread and process pools and for their
 * peers (raw worker_threads postMessage, piscina, tinypool, raw child_process.fork IPC, bare
 * worker-farm). Every contender gets the same message conclab sends ({ task, args, copy }); the
 * peers answer with args[0], conclab answers with its TaskRecord, as it does in every experiment.
 *
 * Per round and contender: `serial` round trips one at a time (latency: median and p99), then a
 * closed loop of `cores` clients sending `batch` tasks (throughput). Contenders are interleaved
 * (A B C, B C A …) and ratios are paired within each round, so machine noise hits both sides alike.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { createProcessPool, createThreadPool, describeMachine, median, type Figure } from "conclab";
import { ChildProcessPool, type TaskMessage, WorkerThreadPool, checkSendable, executeTask, instantiate, nowMs, ownPssBytes, portable, taskSource } from "conclab/internal";
import { fixed, pairedRatio, ratioText, rotation, summary, withDeadline, type BenchOptions, type Goal, type Section, type Summary, type Table } from "./common";

const WORKERS_DIR = path.join(__dirname, "workers");
/** Longest one contender's start, warm-up or round may take before it is dropped. */
const CONTENDER_LIMIT_MS = 120_000;

/** The trivial task: returns its argument. Self-contained, so it travels as text like any task. */
function echo(value: number): number {
  return value;
}

const ECHO = portable(taskSource(echo));

function message(i: number): TaskMessage {
  return { task: ECHO, args: [i], copy: i };
}

interface Contender {
  readonly key: string;
  readonly name: string;
  readonly kind: "thread" | "process";
  start(): Promise<void>;
  call(i: number): Promise<unknown>;
  stop(): Promise<void>;
}

/** Something that takes one message at a time and answers it: a Worker or a forked child. */
interface Endpoint {
  send(value: TaskMessage): void;
  onAnswer(listener: (value: unknown) => void): void;
}

/**
 * The least a raw pool must do: an idle list and a FIFO queue, one call per endpoint at a time.
 * No error handling, no timeouts, no bookkeeping: the floor conclab and the libraries stand on.
 */
function rawDispatcher(endpoints: readonly Endpoint[]): (value: TaskMessage) => Promise<unknown> {
  const idle = [...endpoints];
  const queue: { value: TaskMessage; resolve: (answer: unknown) => void }[] = [];
  const current = new Map<Endpoint, (answer: unknown) => void>();
  for (const endpoint of endpoints) {
    endpoint.onAnswer((answer) => {
      const resolve = current.get(endpoint)!;
      const next = queue.shift();
      if (next) {
        current.set(endpoint, next.resolve);
        endpoint.send(next.value);
      } else {
        current.delete(endpoint);
        idle.push(endpoint);
      }
      resolve(answer);
    });
  }
  return (value) =>
    new Promise((resolve) => {
      const endpoint = idle.pop();
      if (!endpoint) return void queue.push({ value, resolve });
      current.set(endpoint, resolve);
      endpoint.send(value);
    });
}

function rawThreads(size: number): Contender {
  let workers: Worker[] = [];
  let dispatch: (value: TaskMessage) => Promise<unknown> = () => Promise.reject(new Error("not started"));
  return {
    key: "raw-threads",
    name: "raw worker_threads postMessage",
    kind: "thread",
    async start() {
      workers = Array.from({ length: size }, () => new Worker(path.join(WORKERS_DIR, "raw-thread.js")));
      await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once("online", resolve).once("error", reject))));
      dispatch = rawDispatcher(workers.map((w) => ({ send: (v) => w.postMessage(v), onAnswer: (l) => void w.on("message", l) })));
    },
    call: (i) => dispatch(message(i)),
    async stop() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function rawFork(size: number, serialization: "json" | "advanced"): Contender {
  let children: ChildProcess[] = [];
  let dispatch: (value: TaskMessage) => Promise<unknown> = () => Promise.reject(new Error("not started"));
  const kill = (): void => children.forEach((c) => c.kill("SIGKILL"));
  return {
    key: serialization === "json" ? "raw-fork" : "raw-fork-advanced",
    name: serialization === "json" ? "raw child_process.fork IPC" : "raw fork IPC, advanced serialization",
    kind: "process",
    async start() {
      process.once("exit", kill);
      children = Array.from({ length: size }, () => fork(path.join(WORKERS_DIR, "raw-child.js"), [], { execArgv: [], serialization, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
      await Promise.all(children.map((c) => new Promise((resolve, reject) => c.once("spawn", resolve).once("error", reject))));
      dispatch = rawDispatcher(children.map((c) => ({ send: (v) => void c.send(v), onAnswer: (l) => void c.on("message", l) })));
    },
    call: (i) => dispatch(message(i)),
    async stop() {
      const exits = children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r)) : undefined));
      for (const c of children) c.disconnect();
      await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 2_000))]);
      kill();
      process.removeListener("exit", kill);
    },
  };
}

function piscina(size: number): Contender {
  let pool: import("piscina").Piscina | undefined;
  return {
    key: "piscina",
    name: "piscina 5 (same options as conclab's)",
    kind: "thread",
    async start() {
      const { Piscina } = require("piscina") as typeof import("piscina");
      pool = new Piscina({ filename: path.join(WORKERS_DIR, "pool-task.js"), minThreads: size, maxThreads: size, idleTimeout: 2 ** 31 - 1, concurrentTasksPerWorker: 1 });
    },
    call: (i) => pool!.run(message(i)),
    async stop() {
      await pool?.destroy();
    },
  };
}

/** tinypool is an ES module: `require` works on Node ≥ 20.19, `import()` on any Node 20. */
async function loadTinypool(): Promise<typeof import("tinypool")> {
  try {
    return require("tinypool") as typeof import("tinypool");
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_REQUIRE_ESM") throw error;
    // A real dynamic import (TypeScript would compile `import()` into `require` for CommonJS).
    const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<typeof import("tinypool")>;
    return importModule("tinypool");
  }
}

function tinypool(size: number): Contender {
  let pool: import("tinypool").Tinypool | undefined;
  return {
    key: "tinypool",
    name: "tinypool 2",
    kind: "thread",
    async start() {
      const { Tinypool } = await loadTinypool();
      pool = new Tinypool({ filename: path.join(WORKERS_DIR, "pool-task.js"), minThreads: size, maxThreads: size, idleTimeout: 2 ** 31 - 1 });
    },
    call: (i) => pool!.run(message(i)),
    async stop() {
      await pool?.destroy();
    },
  };
}

type FarmCall = (value: TaskMessage, callback: (error: unknown, result?: unknown) => void) => void;

function workerFarm(size: number): Contender {
  let farm: FarmCall | undefined;
  const create = (): ((options: object, file: string) => FarmCall) & { end(farm: FarmCall): void } => require("worker-farm");
  return {
    key: "worker-farm",
    name: "worker-farm 1.7, bare (one call per child)",
    kind: "process",
    async start() {
      farm = create()({ maxConcurrentWorkers: size, maxConcurrentCallsPerWorker: 1, maxRetries: 0 }, path.join(WORKERS_DIR, "farm-child.js"));
    },
    call: (i) => new Promise((resolve, reject) => farm!(message(i), (error, result) => (error ? reject(error) : resolve(result)))),
    async stop() {
      if (farm) create().end(farm);
    },
  };
}

function conclabThreads(size: number): Contender {
  let pool: WorkerThreadPool | undefined;
  return {
    key: "conclab-threads",
    name: "conclab ThreadPool (piscina + TaskRecord)",
    kind: "thread",
    async start() {
      pool = (createThreadPool(size) as WorkerThreadPool);
    },
    call: (i) => pool!.run(message(i)),
    async stop() {
      await pool?.destroy();
    },
  };
}

/** piscina running conclab's own worker module: conclab's worker-side cost without its main-thread wrapper. */
function piscinaConclabWorker(size: number): Contender {
  let pool: import("piscina").Piscina | undefined;
  return {
    key: "piscina-conclab-worker",
    name: "piscina + conclab's worker module (no wrapper)",
    kind: "thread",
    async start() {
      const { Piscina } = require("piscina") as typeof import("piscina");
      const filename = require.resolve("conclab/dist/src/workers/thread-worker.js");
      pool = new Piscina({ filename, minThreads: size, maxThreads: size, idleTimeout: 2 ** 31 - 1, concurrentTasksPerWorker: 1 });
    },
    call: (i) => pool!.run(message(i)),
    async stop() {
      await pool?.destroy();
    },
  };
}

function conclabProcesses(size: number): Contender {
  let pool: ChildProcessPool | undefined;
  return {
    key: "conclab-processes",
    name: "conclab ProcessPool (worker-farm + TaskRecord)",
    kind: "process",
    async start() {
      pool = (createProcessPool(size) as ChildProcessPool);
    },
    call: (i) => pool!.run(message(i)),
    async stop() {
      await pool?.destroy();
    },
  };
}

interface ContenderResult {
  readonly key: string;
  readonly name: string;
  readonly kind: "thread" | "process";
  /** Median round trip of each round, µs. */
  readonly roundMediansUs: number[];
  /** p99 round trip of each round, µs. */
  readonly roundP99Us: number[];
  /** Throughput of each round, tasks per second. */
  readonly roundThroughput: number[];
  /** Every round trip of every round, µs (for the pooled p99). */
  readonly allUs: number[];
}

export interface DispatchData {
  readonly poolSize: number;
  readonly rounds: number;
  readonly serialPerRound: number;
  readonly batchPerRound: number;
  readonly clients: number;
  readonly contenders: {
    readonly key: string;
    readonly name: string;
    readonly kind: string;
    /** Summary of the per-round median round trips, µs. */
    readonly roundTripUs: Summary;
    /** p99 over all round trips of all rounds, µs. */
    readonly p99Us: number;
    /** Summary of the per-round throughputs, tasks/s. */
    readonly throughput: Summary;
    /** Why it was dropped before the end, if it was (its rounds so far are kept, unpaired). */
    readonly error?: string;
  }[];
  readonly ratios: { readonly name: string; readonly of: string; readonly to: string; readonly roundTrip: Summary; readonly p99: Summary; readonly timePerTaskInThroughput: Summary }[];
  /** What conclab does per task beyond the peers, each timed alone on the main thread, µs per call. */
  readonly conclabWork: { readonly name: string; readonly where: string; readonly timedIn: string; readonly us: number }[];
}

/** Round trips one at a time: each one's duration in µs. */
async function serialRoundTrips(contender: Contender, count: number, offset: number): Promise<number[]> {
  const samples: number[] = new Array(count);
  for (let j = 0; j < count; j++) {
    const t0 = performance.now();
    await contender.call(offset + j);
    samples[j] = (performance.now() - t0) * 1000;
  }
  return samples;
}

/** `clients` loops, each awaiting one call after another, until `total` calls are done: tasks per second. */
async function closedLoop(contender: Contender, total: number, clients: number): Promise<number> {
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < total) await contender.call(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  return total / ((performance.now() - t0) / 1000);
}

/**
 * µs per call of `fn`, over at most `count` calls (async calls awaited one by one), stopping
 * early once `budgetMs` has passed: slow pieces (a /proc read) get fewer calls, not minutes.
 */
async function perCall(fn: () => unknown, count: number, budgetMs = 150): Promise<number> {
  const t0 = performance.now();
  let done = 0;
  while (done < count) {
    const value = fn();
    if (value instanceof Promise) await value;
    done++;
    if (done >= 10 && performance.now() - t0 > budgetMs) break;
  }
  return ((performance.now() - t0) * 1000) / done;
}

/**
 * Times a per-task piece where conclab really runs it: inside one of its worker threads or child
 * processes (the child carries a watchdog thread, so its address space is not a bare Node's).
 */
function timeInside(what: string, count: number): number {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const op = what === "pss" ? (): unknown => readFileSync("/proc/self/smaps_rollup", "utf8") : (): unknown => process.memoryUsage();
  for (let i = 0; i < 5; i++) op();
  const t0 = performance.now();
  let done = 0;
  while (done < count && (done < 10 || performance.now() - t0 < 200)) {
    op();
    done++;
  }
  return ((performance.now() - t0) * 1000) / done;
}

async function insideConclab(): Promise<DispatchData["conclabWork"]> {
  const task = portable(taskSource(timeInside));
  const threads = (createThreadPool(1) as WorkerThreadPool);
  const processes = (createProcessPool(1) as ChildProcessPool);
  try {
    const run = async (pool: WorkerThreadPool | ChildProcessPool, what: string): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) samples.push((await pool.run({ task, args: [what, 2_000], copy: i })).result as number);
      return median(samples);
    };
    const out: DispatchData["conclabWork"] = [];
    out.push({ name: "process.memoryUsage()", where: "worker", timedIn: "conclab worker thread", us: await run(threads, "memory") });
    out.push({ name: "process.memoryUsage()", where: "process child", timedIn: "conclab child process", us: await run(processes, "memory") });
    try {
      out.push({ name: "PSS read (/proc/self/smaps_rollup)", where: "process child only", timedIn: "conclab child process", us: await run(processes, "pss") });
    } catch {
      // no /proc/self/smaps_rollup here (not Linux): conclab's child skips it too
    }
    return out;
  } finally {
    await threads.destroy();
    await processes.destroy();
  }
}

/** Times, in this thread, each piece of work conclab adds per task, interleaved and repeated. */
async function conclabWork(rounds: number, count: number): Promise<DispatchData["conclabWork"]> {
  const msg = message(1);
  const record = await executeTask(msg, "thread");
  const pieces: { name: string; where: string; fn: () => unknown }[] = [
    { name: "instantiate(): source cache lookup", where: "worker", fn: () => instantiate(msg.task) },
    { name: "two clock reads (nowMs)", where: "worker", fn: () => nowMs() + nowMs() },
    { name: "process.memoryUsage()", where: "worker", fn: () => process.memoryUsage() },
    { name: "checkSendable(result)", where: "worker", fn: () => checkSendable(1, "echo") },
    { name: "PSS read (/proc/self/smaps_rollup)", where: "process child only", fn: () => ownPssBytes() },
    { name: "executeTask(), thread (all of the above)", where: "worker", fn: () => executeTask(msg, "thread") },
    { name: "executeTask(), process (with PSS)", where: "process child", fn: () => executeTask(msg, "process") },
    {
      name: "AbortController + listeners per run()",
      where: "main thread",
      fn: () => {
        const c = new AbortController();
        const f = (): void => undefined;
        c.signal.addEventListener("abort", f);
        c.signal.removeEventListener("abort", f);
      },
    },
    { name: "structured clone of a TaskRecord", where: "both ends", fn: () => structuredClone(record) },
    { name: "structured clone of a number (peers)", where: "both ends", fn: () => structuredClone(1) },
  ];
  const samples = new Map<string, number[]>(pieces.map((p) => [p.name, []]));
  for (const piece of pieces) await perCall(piece.fn, 200, 50); // warm up
  for (let round = 0; round < rounds; round++) {
    for (const piece of rotation(pieces, round)) samples.get(piece.name)!.push(await perCall(piece.fn, count));
  }
  const here = pieces.map((p) => ({ name: p.name, where: p.where, timedIn: "main thread", us: median(samples.get(p.name)!) }));
  try {
    return [...here, ...(await insideConclab())];
  } catch (error) {
    process.stderr.write(`bench: dispatch: could not time pieces inside conclab's pools: ${(error as Error).message}\n`);
    return here;
  }
}

export async function runDispatch(options: BenchOptions): Promise<Section<DispatchData>> {
  const size = describeMachine().cores;
  const rounds = Math.max(7, options.dispatchRounds ?? (options.quick ? 7 : 11));
  const serial = options.quick ? 200 : 500;
  const batch = options.quick ? 500 : 2000;
  const clients = size;
  const contenders: Contender[] = [
    conclabThreads(size),
    rawThreads(size),
    piscina(size),
    piscinaConclabWorker(size),
    tinypool(size),
    conclabProcesses(size),
    rawFork(size, "json"),
    rawFork(size, "advanced"),
    workerFarm(size),
  ];
  const results = new Map<string, ContenderResult>(
    contenders.map((c) => [c.key, { key: c.key, name: c.name, kind: c.kind, roundMediansUs: [], roundP99Us: [], roundThroughput: [], allUs: [] }]),
  );
  // A contender that stops answering (a crashed child, a module rebuilt under it) is dropped with
  // its reason instead of hanging the benchmark; ratios involving it are left out.
  const failed = new Map<string, string>();
  const guarded = async (c: Contender, what: string, fn: () => Promise<void>): Promise<void> => {
    if (failed.has(c.key)) return;
    try {
      await withDeadline(fn(), CONTENDER_LIMIT_MS, `${c.name}: ${what}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failed.set(c.key, reason);
      options.log(`dispatch: dropped ${c.name}: ${reason}`);
      await withDeadline(c.stop(), 10_000, "stop").catch(() => undefined);
    }
  };
  options.log(`dispatch: starting ${contenders.length} pools of ${size} workers and warming them up`);
  try {
    for (const c of contenders) await guarded(c, "start", () => c.start());
    for (const c of contenders) {
      await guarded(c, "warm-up", async () => {
        await serialRoundTrips(c, Math.min(serial, 300), 0);
        await closedLoop(c, Math.min(batch, 1000), clients);
      });
    }
    for (let round = 0; round < rounds; round++) {
      options.log(`dispatch: round ${round + 1} of ${rounds}`);
      for (const c of rotation(contenders, round)) {
        await guarded(c, `round ${round + 1}`, async () => {
          const r = results.get(c.key)!;
          const samples = await serialRoundTrips(c, serial, round * serial);
          const throughput = await closedLoop(c, batch, clients);
          r.roundMediansUs.push(median(samples));
          r.roundP99Us.push(summary(samples).p99);
          r.allUs.push(...samples);
          r.roundThroughput.push(throughput);
        });
      }
    }
  } finally {
    for (const c of contenders) await withDeadline(c.stop(), 10_000, "stop").catch(() => undefined);
  }
  options.log("dispatch: timing conclab's per-task work alone");
  const work = await conclabWork(rounds, options.quick ? 2_000 : 10_000);

  const get = (key: string): ContenderResult => results.get(key)!;
  // Only contenders that ran every round are paired (round i with round i).
  const rounded = (key: string, pick: (r: ContenderResult) => number[]): number[] => (failed.has(key) ? [] : pick(get(key)));
  const ratio = (name: string, of: string, to: string): DispatchData["ratios"][number] => ({
    name,
    of,
    to,
    roundTrip: pairedRatio(rounded(of, (r) => r.roundMediansUs), rounded(to, (r) => r.roundMediansUs)),
    p99: pairedRatio(rounded(of, (r) => r.roundP99Us), rounded(to, (r) => r.roundP99Us)),
    // time per task = 1 / throughput, so the ratio of times is the inverse ratio of throughputs
    timePerTaskInThroughput: pairedRatio(rounded(to, (r) => r.roundThroughput), rounded(of, (r) => r.roundThroughput)),
  });
  const ratios = [
    ratio("conclab threads / raw worker_threads", "conclab-threads", "raw-threads"),
    ratio("conclab threads / piscina", "conclab-threads", "piscina"),
    ratio("conclab threads / tinypool", "conclab-threads", "tinypool"),
    ratio("piscina / raw worker_threads", "piscina", "raw-threads"),
    ratio("piscina + conclab worker / piscina (worker side)", "piscina-conclab-worker", "piscina"),
    ratio("conclab threads / piscina + conclab worker (main side)", "conclab-threads", "piscina-conclab-worker"),
    ratio("conclab processes / raw fork", "conclab-processes", "raw-fork"),
    ratio("conclab processes / raw fork (advanced)", "conclab-processes", "raw-fork-advanced"),
    ratio("conclab processes / worker-farm", "conclab-processes", "worker-farm"),
    ratio("worker-farm / raw fork", "worker-farm", "raw-fork"),
  ];
  const data: DispatchData = {
    poolSize: size,
    rounds,
    serialPerRound: serial,
    batchPerRound: batch,
    clients,
    contenders: contenders.map((c) => {
      const r = get(c.key);
      return {
        key: c.key,
        name: c.name,
        kind: c.kind,
        roundTripUs: summary(r.roundMediansUs),
        p99Us: summary(r.allUs).p99,
        throughput: summary(r.roundThroughput),
        ...(failed.has(c.key) ? { error: failed.get(c.key) } : {}),
      };
    }),
    ratios,
    conclabWork: work,
  };

  const workUs = (prefix: string, timedIn = "main thread"): number => work.find((w) => w.name.startsWith(prefix) && w.timedIn === timedIn)?.us ?? NaN;
  const pssInChild = work.find((w) => w.name.startsWith("PSS read") && w.timedIn === "conclab child process")?.us;
  const byName = (name: string): DispatchData["ratios"][number] => ratios.find((r) => r.name.startsWith(name))!;
  const vsRaw = byName("conclab threads / raw worker_threads");
  const vsPiscina = byName("conclab threads / piscina");
  const vsFork = byName("conclab processes / raw fork");
  const median1 = (r: DispatchData["ratios"][number]): string => ratioText(r.roundTrip.median);
  const threadWork =
    `conclab's worker runs executeTask() per task (${fixed(workUs("executeTask(), thread"), 1)} µs timed alone: source cache lookup ${fixed(workUs("instantiate"), 2)} µs, ` +
    `two clock reads ${fixed(workUs("two clock"), 2)} µs, and a memory reading at most every 250 ms: a full process.memoryUsage() costs ${fixed(workUs("process.memoryUsage()", "conclab worker thread"), 1)} µs in a worker) and sends back a TaskRecord ` +
    `(structured clone ${fixed(workUs("structured clone of a TaskRecord"), 1)} µs vs ${fixed(workUs("structured clone of a number"), 2)} µs for a number, at each end): ` +
    `piscina with conclab's worker module is ${median1(byName("piscina + conclab worker / piscina"))} piscina with a bare one; ` +
    `run() adds an AbortController, an async wrapper and piscina's abort-signal path on the main thread ` +
    `(${median1(byName("conclab threads / piscina + conclab worker"))} piscina with conclab's worker)`;
  const threadExtra = `${threadWork}; and piscina itself is ${median1(byName("piscina / raw worker_threads"))} raw worker_threads here`;
  const processExtra =
    `conclab's child reads its PSS from /proc/self/smaps_rollup at most once a second (${pssInChild === undefined ? "not available here" : `${fixed(pssInChild, 0)} µs inside a conclab child`}, ` +
    `against a raw fork round trip of ${fixed(data.contenders.find((c) => c.key === "raw-fork")!.roundTripUs.median, 0)} µs) and its heap and RSS at most every 250 ms, besides the clock reads; ` +
    `it sends a TaskRecord with structured-clone ("advanced") serialization (conclab / raw fork with that serialization: ${median1(byName("conclab processes / raw fork (advanced)"))}), ` +
    `and goes through worker-farm (${median1(byName("worker-farm / raw fork"))} raw fork here)`;
  const spans = (s: Summary): boolean => s.min <= 1 && s.max >= 1;
  const within = (r: DispatchData["ratios"][number], limit: number): boolean | null => (r.roundTrip.n === 0 ? null : r.roundTrip.median <= limit);
  const droppedNote = (r: DispatchData["ratios"][number]): string =>
    [r.of, r.to]
      .filter((key) => failed.has(key))
      .map((key) => `not measured: ${get(key).name} was dropped (${failed.get(key)})`)
      .join("; ");
  const goals: Goal[] = [
    {
      id: "dispatch.threads-vs-raw",
      goal: "conclab threads ≤ 1.2x raw worker_threads (median round trip)",
      measured: `${median1(vsRaw)} (rounds ${ratioText(vsRaw.roundTrip.min)}–${ratioText(vsRaw.roundTrip.max)}); time per task at full load ${ratioText(vsRaw.timePerTaskInThroughput.median)}`,
      met: within(vsRaw, 1.2),
      note: within(vsRaw, 1.2) === null ? droppedNote(vsRaw) : within(vsRaw, 1.2) ? undefined : threadExtra,
    },
    {
      id: "dispatch.threads-vs-piscina",
      goal: "conclab threads not slower than piscina (median round trip ≤ 1.00x)",
      measured: `${median1(vsPiscina)} (rounds ${ratioText(vsPiscina.roundTrip.min)}–${ratioText(vsPiscina.roundTrip.max)}); time per task at full load ${ratioText(vsPiscina.timePerTaskInThroughput.median)}`,
      met: within(vsPiscina, 1.0),
      note:
        within(vsPiscina, 1.0) === null
          ? droppedNote(vsPiscina)
          : within(vsPiscina, 1.0)
          ? undefined
          : `conclab's WorkerThreadPool is piscina plus its own per-task work, so it cannot be faster than piscina: ${threadWork}` +
            (spans(vsPiscina.roundTrip) ? "; the rounds' range spans 1.00x" : ""),
    },
    {
      id: "dispatch.processes-vs-fork",
      goal: "conclab processes ≤ 1.2x raw child_process.fork (median round trip)",
      measured: `${median1(vsFork)} (rounds ${ratioText(vsFork.roundTrip.min)}–${ratioText(vsFork.roundTrip.max)}); time per task at full load ${ratioText(vsFork.timePerTaskInThroughput.median)}`,
      met: within(vsFork, 1.2),
      note: within(vsFork, 1.2) === null ? droppedNote(vsFork) : within(vsFork, 1.2) ? undefined : processExtra,
    },
  ];

  const tables: Table[] = [
    {
      title: `Dispatch overhead: trivial task, pools of ${size}, ${rounds} interleaved rounds of ${serial} serial round trips + ${batch} tasks from ${clients} clients`,
      headers: ["contender", "round trip median µs", "spread µs (round medians)", "p99 µs", "throughput tasks/s", "throughput spread"],
      rows: data.contenders.map((c) => [
        c.name,
        fixed(c.roundTripUs.median, 1),
        `${fixed(c.roundTripUs.min, 1)}–${fixed(c.roundTripUs.max, 1)}`,
        fixed(c.p99Us, 0),
        fixed(c.throughput.median, 0),
        `±${Math.round((c.throughput.relativeSpread * 100) / 2)}%`,
      ]),
      notes: data.contenders.filter((c) => c.error).map((c) => `${c.name} was dropped: ${c.error}; its rounds so far are shown, its ratios are not.`),
    },
    {
      title: "Dispatch ratios, paired within each round (lower is better for conclab)",
      headers: ["ratio", "round trip (median)", "range over rounds", "p99", "time per task at full load"],
      rows: ratios.map((r) => [r.name, ratioText(r.roundTrip.median), `${ratioText(r.roundTrip.min)}–${ratioText(r.roundTrip.max)}`, ratioText(r.p99.median), ratioText(r.timePerTaskInThroughput.median)]),
    },
    {
      title: `conclab's per-task work, each piece timed alone (main thread: median of ${rounds} interleaved rounds; inside conclab's pools: median of 5 runs)`,
      headers: ["piece", "conclab runs it in", "timed in", "µs per call"],
      rows: work.map((w) => [w.name, w.where, w.timedIn, fixed(w.us, w.us < 10 ? 2 : 1)]),
    },
  ];

  return { key: "dispatch", title: "1. Dispatch overhead", data, tables, goals, figures: [dispatchFigure(data)] };
}

function dispatchFigure(data: DispatchData): Figure {
  const names = data.contenders.map((c) => c.name.replace(/ \(.*\)$/, ""));
  const colors = data.contenders.map((c) => (c.key.startsWith("conclab") ? (c.kind === "thread" ? "#1f80b8" : "#0e6f84") : c.kind === "thread" ? "#9ecae1" : "#8fd1df"));
  return {
    data: [
      {
        type: "bar",
        name: "median round trip",
        x: names,
        y: data.contenders.map((c) => c.roundTripUs.median),
        marker: { color: colors },
        error_y: {
          type: "data",
          symmetric: false,
          array: data.contenders.map((c) => c.roundTripUs.max - c.roundTripUs.median),
          arrayminus: data.contenders.map((c) => c.roundTripUs.median - c.roundTripUs.min),
          color: "#333",
        },
        hovertemplate: "%{x}: %{y:.1f} µs<extra>median</extra>",
      },
      {
        type: "scatter",
        mode: "markers",
        name: "p99",
        x: names,
        y: data.contenders.map((c) => c.p99Us),
        marker: { color: "#c0392b", symbol: "line-ew-open", size: 22, line: { width: 3, color: "#c0392b" } },
        hovertemplate: "%{x}: %{y:.0f} µs<extra>p99</extra>",
      },
    ],
    layout: {
      title: { text: `Dispatch overhead per task (pools of ${data.poolSize}): median round trip with its range over ${data.rounds} rounds, and p99` },
      yaxis: { title: { text: "round trip (µs)" }, type: "log" },
      xaxis: { automargin: true },
      height: 480,
      margin: { t: 60, b: 140 },
    },
  };
}
