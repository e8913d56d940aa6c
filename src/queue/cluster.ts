/**
 * A job queue with its workers: a BullMQ queue on a Valkey server (the course's own, embedded, or
 * the one CONCLAB_REDIS_URL names), and worker processes that take its jobs. Where the machine
 * allows it (root on Linux), each worker runs on a host of its own: a network namespace with its
 * own address on a bridge the course makes, so its jobs and results cross a network link. Those
 * hosts still share this machine's CPUs, which the cluster says (`placement.sharesThisMachine`).
 * Elsewhere the workers are local processes, and the cluster says why.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { Queue, QueueEvents } from "bullmq";
import type IORedis from "ioredis";
import { AbortError, checkInteger, rangeError, throwIfAborted, typeError } from "../errors";
import { nowMs } from "../measure/clock";
import { exited, isRunning, killIfRunning, PARENT_PID_ENV } from "../runtime/child-life";
import { withinGrace } from "../runtime/deadline";
import { startExperiment, trackPool, untrackPool } from "../runtime/lifecycle";
import type { TaskRecord } from "../tasks/record";
import type { TaskSourceData } from "../tasks/instantiate";
import { portable, taskSource, type TaskFunction } from "../tasks/task-source";
import { JSON_FIX, jsonProblem } from "./json-safe";
import { offsetToServer, type ClockOffset } from "./clock-offset";
import { createHostNetwork, namespaceSupport, type HostNetwork } from "./hosts";
import { queueConnection } from "./queue-worker";
import { connectionCheck, maskedUrl } from "./server-check";
import { startValkeyServer, type ValkeyServer } from "./valkey-server";
import { runLogKey, WORKER_SETTINGS_ENV, type JobData, type JobResult, type RunEvent, type RunEventMessage, type WorkerHello, type WorkerSettings } from "./wire";

/** Most workers one cluster starts. */
export const MAX_QUEUE_WORKERS = 16;
/** BullMQ's own defaults for a job's lock and the stalled-job check (ms). */
export const BULLMQ_LOCK_MS = 30_000;
export const BULLMQ_STALLED_INTERVAL_MS = 30_000;
/** How long a worker may take to connect and say it is ready. */
const WORKER_READY_MS = 30_000;
/** How often the kernel asks the server about jobs whose end no event announced (an event can be missed while the server restarts). */
const RECONCILE_MS = 500;

export type HostsChoice = "auto" | "namespaces" | "local" | "external";

export interface QueueClusterOptions {
  /** Worker processes to start (1 to 16), or, with hosts "external", workers to wait for. */
  readonly workers: number;
  /** Jobs each worker runs at once (BullMQ's `concurrency`, default 1). */
  readonly concurrency?: number;
  /**
   * Where workers run: "namespaces" (a network namespace each; root on Linux), "local" (processes
   * of this machine), "auto" (namespaces where the machine allows them, the default), or
   * "external" (start none: `conclab-worker` processes on other machines take the jobs).
   */
  readonly hosts?: HostsChoice;
  /** Latency added on each host's link, one way (ms; namespaces only, through tc netem where the kernel has it). */
  readonly latencyMs?: number;
  /** A Redis or Valkey server to use instead of the course's own (default `$CONCLAB_REDIS_URL`). */
  readonly redisUrl?: string;
  /** The queue's name (default: a fresh one; "conclab" with hosts "external", as `conclab-worker` assumes). */
  readonly queue?: string;
  /** A job's lock (ms, default BullMQ's 30,000): a worker whose event loop is busy longer cannot renew it. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired (ms, default BullMQ's 30,000). */
  readonly stalledIntervalMs?: number;
  /** How many times a job may lose its lock before it fails (default BullMQ's 1). */
  readonly maxStalledCount?: number;
  readonly signal?: AbortSignal;
}

/** Where the workers run, and what that means for what this machine can show. */
export interface ClusterPlacement {
  readonly kind: "namespaces" | "local-processes" | "external";
  /** Why this kind: what the machine allowed, or what was asked. */
  readonly why: string;
  /** Whether the workers' CPUs are this machine's (namespaces and local processes): more hosts then add no cores. */
  readonly sharesThisMachine: boolean;
  readonly latency: { readonly askedMs: number; readonly applied: boolean; readonly why: string };
}

export interface QueueWorkerInfo {
  readonly host: string;
  /** Its address on the course's bridge, or null for a local process or a worker elsewhere. */
  readonly address: string | null;
  readonly pid: number;
  readonly alive: boolean;
  /** How well its clock is aligned with the server's (ms): see clock-offset.ts. */
  readonly clockErrorMs: number;
}

export interface QueueServerInfo {
  /** The URL with the password masked. */
  readonly url: string;
  /** Whether the course started it (and may restart it). */
  readonly embedded: boolean;
  /** e.g. `valkey 9.1.2`. */
  readonly version: string;
}

/** A copy that did not complete, and why. */
export interface FailedJob {
  readonly copy: number;
  readonly reason: string;
}

/** What one batch of jobs did. Every submitted copy is in `records` (once) or in `failed`. */
export interface JobsReport {
  readonly submitted: number;
  /** One record per completed copy, by copy, times on this process's clock, `host` set. */
  readonly records: readonly TaskRecord[];
  readonly failed: readonly FailedJob[];
  /** Every start, end and error of the batch's jobs on the workers, in time order, on this process's clock. */
  readonly runs: readonly RunEvent[];
  /** For each completed copy (same order as records): from its submission to this process seeing it done (ms). */
  readonly roundTripMs: readonly number[];
  /** How far a time from a worker may be off on this process's clock: the largest worker error plus this process's (ms). */
  readonly clockErrorMs: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface RunJobsOptions {
  readonly signal?: AbortSignal;
  /** Longest the batch may take before the jobs still out are reported failed (ms; default none). */
  readonly timeoutMs?: number;
}

export interface QueueCluster {
  readonly queue: string;
  readonly server: QueueServerInfo;
  readonly placement: ClusterPlacement;
  /** The workers, in start order (for hosts "external": those seen when the cluster started). */
  readonly workers: readonly QueueWorkerInfo[];
  /** Jobs the workers run at once: workers × concurrency. */
  readonly slots: number;
  readonly settings: { readonly lockDurationMs: number; readonly stalledIntervalMs: number; readonly maxStalledCount: number; readonly concurrency: number };
  /**
   * Submits `copies` copies of the task (a function, under the same rules as compare()'s tasks) as
   * jobs and waits until each has completed or failed. Its arguments must survive JSON.
   */
  runJobs(task: TaskFunction | TaskSourceData, args: readonly unknown[], copies: number, options?: RunJobsOptions): Promise<JobsReport>;
  /** The log of the batch in flight (or the last one) so far: its jobs' starts, ends and errors on this process's clock, to watch a batch while it runs. */
  runLog(): Promise<readonly RunEvent[]>;
  /** Kills a worker's host (every process in its namespace) or its process: SIGKILL, mid-job or not. */
  killHost(index: number): void;
  /** Crashes the course's own server (SIGKILL) and starts it again after `downMs`: its append-only file keeps the queue. */
  restartServer(options?: { readonly downMs?: number }): Promise<void>;
  /** Stops the workers, the server and the hosts the course started; removes the queue from a server it did not start. Safe twice. */
  destroy(): Promise<void>;
}

const CHOICES: readonly HostsChoice[] = ["auto", "namespaces", "local", "external"];

interface Owned {
  /** What the cluster's own workers logged over IPC, by batch (see WorkerSettings.logTo). */
  readonly parentLog: Map<string, RunEvent[]>;
  server?: ValkeyServer;
  network?: HostNetwork;
  children: ChildProcess[];
  connections: IORedis[];
  queue?: Queue;
  events?: QueueEvents;
}

function checkOptions(options: QueueClusterOptions): Required<Pick<QueueClusterOptions, "workers" | "concurrency" | "hosts" | "latencyMs" | "lockDurationMs" | "stalledIntervalMs" | "maxStalledCount">> {
  if (typeof options !== "object" || options === null) throw typeError("options", "an object such as { workers: 2 }", options, "pass the cluster's options");
  if (options.workers === 0) {
    throw rangeError("workers", "1 to 16", 0, "with no worker every job would wait forever; pass 1 or more (for workers on other machines, hosts: \"external\" and how many you started)");
  }
  const workers = checkInteger("workers", options.workers, 1, MAX_QUEUE_WORKERS, "pass how many worker processes to start, e.g. 2");
  const concurrency = checkInteger("concurrency", options.concurrency ?? 1, 1, 64, "pass how many jobs each worker runs at once, e.g. 1");
  const hosts = options.hosts ?? "auto";
  if (!CHOICES.includes(hosts)) throw typeError("hosts", `one of ${CHOICES.map((c) => `"${c}"`).join(", ")}`, hosts, "leave it out for \"auto\"");
  const latencyMs = options.latencyMs ?? 0;
  if (typeof latencyMs !== "number" || !(latencyMs >= 0 && latencyMs <= 1000)) throw rangeError("latencyMs", "0 to 1000", latencyMs, "pass the one-way delay to add on each host's link, e.g. 5");
  const lockDurationMs = checkInteger("lockDurationMs", options.lockDurationMs ?? BULLMQ_LOCK_MS, 100, 600_000, "pass a lock of at least 100 ms, e.g. 30000 (BullMQ's default)");
  const stalledIntervalMs = checkInteger("stalledIntervalMs", options.stalledIntervalMs ?? BULLMQ_STALLED_INTERVAL_MS, 100, 600_000, "pass at least 100 ms, e.g. 30000 (BullMQ's default)");
  const maxStalledCount = checkInteger("maxStalledCount", options.maxStalledCount ?? 1, 0, 100, "pass how many lost locks a job survives, e.g. 1");
  return { workers, concurrency, hosts, latencyMs, lockDurationMs, stalledIntervalMs, maxStalledCount };
}

/** Kills every process the cluster started and its hosts, now (exit handlers). */
function killOwnedNow(owned: Owned): void {
  for (const child of owned.children) killIfRunning(child);
  owned.network?.killNow();
  owned.server?.killNow();
}

/** Starts a worker process (in a host's namespace when given) and waits for its hello. */
function startWorkerProcess(settings: WorkerSettings, launch: { command: string; args: readonly string[] }, signal: AbortSignal | undefined, owned: Owned): Promise<{ child: ChildProcess; hello: Extract<WorkerHello, { ready: true }> }> {
  const child = spawn(launch.command, launch.args, {
    // A session of its own, as the process pool's children have: where the scheduler shares the CPU
    // by session (sched_autogroup), queue workers and pool children then get the same share.
    detached: true,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(settings), [PARENT_PID_ENV]: String(process.pid) },
  });
  owned.children.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => fail("was stopped: the cell was interrupted");
    const fail = (why: string): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      killIfRunning(child);
      const said = stderr.trim() ? `: ${stderr.trim().split("\n").slice(-4).join(" | ")}` : "";
      reject(new Error(`queue worker ${settings.host} ${why}${said}`));
    };
    const timer = setTimeout(() => fail(`did not say it was ready within ${WORKER_READY_MS / 1000} s`), WORKER_READY_MS);
    child.once("error", (error) => fail(`could not start (${error.message})`));
    child.once("exit", (code, sig) => fail(`ended before it was ready (${sig ?? `exit code ${code}`})`));
    child.once("message", (message: WorkerHello) => {
      clearTimeout(timer);
      // The signal stops the start only: once ready, the worker is the cluster's, stopped by destroy().
      signal?.removeEventListener("abort", onAbort);
      child.removeAllListeners("exit");
      if (!message.ready) return fail(`could not start: ${message.error}`);
      child.on("message", (logged: RunEventMessage) => {
        const event = logged.runEvent;
        if (!event) return;
        const batch = owned.parentLog.get(event.run);
        if (batch) batch.push(event);
        else owned.parentLog.set(event.run, [event]);
      });
      resolve({ child, hello: message });
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type Checked = ReturnType<typeof checkOptions>;

/** Where the workers go (which decides where the server must listen), and why. */
export function choosePlacement(hosts: HostsChoice, external: string | undefined, support: { readonly available: boolean; readonly why: string }): { kind: ClusterPlacement["kind"]; why: string } {
  if (hosts === "external") return { kind: "external", why: "asked for workers started elsewhere with conclab-worker" };
  if (hosts === "local") return { kind: "local-processes", why: "asked for local processes" };
  if (external !== undefined) {
    if (hosts === "namespaces") throw new Error(`hosts "namespaces" cannot reach a server the course did not start (${maskedUrl(external)}): the namespaces have no route outside; use hosts "local" or "auto"`);
    return { kind: "local-processes", why: "the server is one the course did not start, which the namespaces cannot reach (they have no route outside)" };
  }
  if (support.available) return { kind: "namespaces", why: `a network namespace per host (${support.why})` };
  if (hosts === "namespaces") throw new Error(`hosts "namespaces" is not possible here: ${support.why}; use hosts "local" (or "auto", which falls back to it)`);
  return { kind: "local-processes", why: `network namespaces are not available here (${support.why}), so the workers are local processes` };
}

/** The reader's server, checked, or the course's own (listening on the hosts' bridge too). */
async function connectServer(external: string | undefined, owned: Owned, signal: AbortSignal | undefined): Promise<{ url: string; server: QueueServerInfo }> {
  if (external !== undefined) {
    const check = await connectionCheck(external, { timeoutMs: 5_000, ...(signal ? { signal } : {}) });
    if (check.maxmemoryPolicy !== "noeviction" && check.maxmemoryPolicy !== "unknown") {
      throw new Error(`the server at ${maskedUrl(external)} has maxmemory-policy ${check.maxmemoryPolicy}: it may evict BullMQ's keys and lose jobs; set it to noeviction (CONFIG SET maxmemory-policy noeviction) or use another server`);
    }
    return { url: external, server: { url: maskedUrl(external), embedded: false, version: `${check.server} ${check.version}` } };
  }
  // No signal once it runs: the cluster stops it, after its workers and connections (destroy()).
  owned.server = await startValkeyServer({ bind: owned.network ? [owned.network.bridgeAddress] : [], persist: true });
  return { url: owned.server.url, server: { url: maskedUrl(owned.server.url), embedded: true, version: `valkey ${owned.server.binary.version}` } };
}

interface WorkerEntry {
  readonly host: string;
  readonly address: string | null;
  readonly pid: number;
  readonly clockErrorMs: number;
  readonly child?: ChildProcess;
  readonly kill?: () => void;
}

/** Starts the cluster's own workers: one per host where there are hosts, else local processes. */
async function startWorkers(checked: Checked, queueName: string, url: string, owned: Owned, signal: AbortSignal | undefined): Promise<WorkerEntry[]> {
  const script = path.join(__dirname, "worker-cli.js");
  const started = await Promise.all(
    Array.from({ length: checked.workers }, (_, i) => {
      const host = owned.network?.hosts[i];
      const settings: WorkerSettings = {
        url: host ? owned.server!.urlFor(owned.network!.bridgeAddress) : url, queue: queueName, concurrency: checked.concurrency, host: host?.name ?? `local-${i + 1}`,
        lockDurationMs: checked.lockDurationMs, stalledIntervalMs: checked.stalledIntervalMs, maxStalledCount: checked.maxStalledCount, logTo: "parent",
      };
      const launch = host ? host.command([process.execPath, script]) : { command: process.execPath, args: [script] };
      return startWorkerProcess(settings, launch, signal, owned).then(({ child, hello }) => ({ child, hello, host }));
    }),
  );
  return started.map(({ child, hello, host }) => ({ host: hello.host, address: host?.address ?? null, pid: hello.pid, clockErrorMs: hello.clockErrorMs, child, kill: host ? () => host.killAll() : () => killIfRunning(child) }));
}

/** Stops what the cluster started: workers first (while the server still answers), then connections, hosts and server. */
async function stopOwned(owned: Owned): Promise<void> {
  for (const child of owned.children) if (isRunning(child)) child.kill("SIGTERM");
  await Promise.all(owned.children.map(async (child) => {
    if (!(await withinGrace(exited(child), 2_000))) killIfRunning(child);
    await exited(child);
  }));
  if (!owned.server && owned.queue) {
    // A server the course did not start keeps nothing of this cluster.
    await withinGrace(owned.queue.obliterate({ force: true }).catch(() => undefined), 2_000);
  }
  // Closing waits for the server; a server that is gone (crashed, or stopped first) must not hold it up.
  await withinGrace(Promise.allSettled([owned.events?.close(), owned.queue?.close()]), 2_000);
  for (const connection of owned.connections) connection.disconnect();
  await owned.network?.teardown();
  await owned.server?.stop();
}

/** What a batch needs of its cluster. */
interface BatchContext {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly connection: IORedis;
  readonly queueName: string;
  /** This process's clock against the server's, refreshed at each batch. */
  offset: ClockOffset;
  /** The batch in flight, or the last one. */
  run?: string;
  /** What the cluster's own workers logged over IPC, by batch. */
  readonly parentLog: Map<string, RunEvent[]>;
}

/** The task as it travels, its arguments checked: built-in tasks' own checks, and JSON for every argument. */
function jobTask(given: TaskFunction | TaskSourceData, args: readonly unknown[]): TaskSourceData {
  if (!Array.isArray(args)) throw typeError("args", "an array of the task's arguments", args, "pass e.g. [1e7]");
  args.forEach((arg, i) => {
    const problem = jsonProblem(arg);
    if (problem) throw typeError(`args[${i}]`, "a value that survives JSON", arg, `${problem}; ${JSON_FIX}`);
  });
  if (typeof given !== "function") return given;
  const source = taskSource(given, "task");
  source.checkArgs?.(args);
  return portable(source);
}

async function runBatch(context: BatchContext, given: TaskFunction | TaskSourceData, args: readonly unknown[], copies: number, options: RunJobsOptions): Promise<JobsReport> {
  const task = jobTask(given, args);
  checkInteger("copies", copies, 1, 100_000, "pass how many jobs to submit, e.g. 4");
  throwIfAborted(options.signal);
  const { queue, events, connection } = context;
  const previous = context.offset;
  context.offset = await offsetToServer(connection, 3).then((next) => (next.errorMs <= previous.errorMs * 2 ? next : previous));
  const offset = context.offset;
  const run = randomBytes(6).toString("hex");
  // An interrupted batch left its log (runLog() shows it until the next batch): drop it now.
  if (context.run !== undefined) {
    context.parentLog.delete(context.run);
    await connection.del(runLogKey(context.queueName, context.run));
  }
  context.run = run;
  const ids = Array.from({ length: copies }, (_, copy) => `${run}-${copy}`);
  const outstanding = new Map(ids.map((id, copy) => [id, copy]));
  const done = new Map<number, { record: TaskRecord; seenMs: number }>();
  const failed = new Map<number, string>();
  let settle: (() => void) | undefined;
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  let lastEventMs = nowMs();
  const finish = (id: string, outcome: { result: JobResult } | { reason: string }): void => {
    const copy = outstanding.get(id);
    if (copy === undefined) return;
    lastEventMs = nowMs();
    outstanding.delete(id);
    if ("result" in outcome) done.set(copy, { record: toLocal(outcome.result, offset), seenMs: nowMs() });
    else failed.set(copy, outcome.reason);
    if (outstanding.size === 0) settle?.();
  };
  const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }): void =>
    finish(jobId, { result: (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as JobResult });
  const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }): void => finish(jobId, { reason: failedReason });
  events.on("completed", onCompleted);
  events.on("failed", onFailed);
  // Only while events have stopped coming (a server restart can lose some): asking about every job at every tick would load the server the batch needs.
  const reconcile = setInterval(() => {
    if (nowMs() - lastEventMs >= RECONCILE_MS) void reconcileOutstanding(queue, outstanding, finish);
  }, RECONCILE_MS);
  const stop = (): void => settle?.();
  options.signal?.addEventListener("abort", stop, { once: true });
  const timer = options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs) ? setTimeout(stop, options.timeoutMs) : undefined;
  const startMs = nowMs();
  try {
    await queue.addBulk(ids.map((jobId, copy) => ({ name: task.name || "task", data: { task, args, copy, run }, opts: { jobId, removeOnComplete: false, removeOnFail: false } })));
    await allDone;
    if (options.signal?.aborted) {
      await removeJobs(queue, [...outstanding.keys()]);
      throw new AbortError();
    }
    if (outstanding.size > 0) {
      // Past the deadline: what is still out is reported failed, and taken off the queue where it still waits.
      const left = [...outstanding.entries()];
      await removeJobs(queue, left.map(([id]) => id));
      for (const [, copy] of left) failed.set(copy, `not finished within ${options.timeoutMs} ms (no live worker took it, or it is still running)`);
    }
  } finally {
    clearInterval(reconcile);
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", stop);
    events.off("completed", onCompleted);
    events.off("failed", onFailed);
  }
  const endMs = nowMs();
  const byCopy = [...done.entries()].sort((a, b) => a[0] - b[0]);
  const runs = (await finalRunLog(context, run, byCopy.map(([copy, { record }]) => [copy, (record as JobResult).attempt]))).map((event) => ({ ...event, atMs: event.atMs - offset.offsetMs }));
  const records = byCopy.map(([, { record }]) => record);
  return {
    submitted: copies,
    records,
    failed: [...failed.entries()].sort((a, b) => a[0] - b[0]).map(([copy, reason]) => ({ copy, reason })),
    runs,
    roundTripMs: byCopy.map(([, { seenMs }]) => seenMs - startMs),
    clockErrorMs: Math.max(0, ...records.map((r) => (r as JobResult).clockErrorMs ?? 0)) + offset.errorMs,
    startMs,
    endMs,
  };
}

/** Starts a queue, its server (unless one is given) and its workers. */
export async function startQueueCluster(options: QueueClusterOptions): Promise<QueueCluster> {
  const checked = checkOptions(options);
  const signal = options.signal;
  throwIfAborted(signal);
  const owned: Owned = { children: [], connections: [], parentLog: new Map() };
  let destroying: Promise<void> | undefined;
  const destroy = (): Promise<void> => {
    untrackPool(held);
    destroying ??= stopOwned(owned);
    return destroying;
  };
  const held = { killNow: () => killOwnedNow(owned), destroy };
  trackPool(held);

  try {
    const external = options.redisUrl ?? process.env.CONCLAB_REDIS_URL;
    const queueName = options.queue ?? (checked.hosts === "external" ? "conclab" : `conclab-${randomBytes(4).toString("hex")}`);
    if (typeof queueName !== "string" || !/^[\w.-]{1,64}$/.test(queueName)) throw typeError("queue", "a name of letters, digits, '.', '_' or '-'", options.queue, "leave it out for a fresh name");
    const { kind, why } = choosePlacement(checked.hosts, external, namespaceSupport());
    if (kind === "namespaces") owned.network = await createHostNetwork({ count: checked.workers, latencyMs: checked.latencyMs, ...(signal ? { signal } : {}) });
    throwIfAborted(signal);
    const { url, server } = await connectServer(external, owned, signal);
    throwIfAborted(signal);
    const workerInfo: WorkerEntry[] = kind === "external" ? [] : await startWorkers(checked, queueName, url, owned, signal);

    const connection = queueConnection(url);
    const eventsConnection = queueConnection(url);
    owned.connections.push(connection, eventsConnection);
    const queue = (owned.queue = new Queue<JobData, JobResult>(queueName, { connection }));
    const events = (owned.events = new QueueEvents(queueName, { connection: eventsConnection }));
    // BullMQ prints a connection error to the console when nobody listens; while the server restarts, ioredis reconnects by itself.
    queue.on("error", () => undefined);
    events.on("error", () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const context: BatchContext = { queue, events, connection, queueName, offset: await offsetToServer(connection), parentLog: owned.parentLog };
    if (kind === "external") {
      for (const name of await waitForExternalWorkers(queue, checked.workers, queueName, server.url, signal)) {
        const [host = name, pid = "0"] = name.split(":");
        workerInfo.push({ host, address: null, pid: Number(pid) || 0, clockErrorMs: Number.NaN });
      }
    }
    const placement: ClusterPlacement = {
      kind,
      why,
      sharesThisMachine: kind !== "external",
      latency: owned.network?.latency ?? { askedMs: checked.latencyMs, applied: false, why: checked.latencyMs > 0 ? "latency can only be added on the course's own hosts (network namespaces)" : "none asked" },
    };

    return {
      queue: queueName,
      server,
      placement,
      get workers() {
        return workerInfo.map(({ host, address, pid, clockErrorMs, child }) => ({ host, address, pid, clockErrorMs, alive: child ? isRunning(child) : true }));
      },
      slots: workerInfo.length * checked.concurrency,
      settings: { lockDurationMs: checked.lockDurationMs, stalledIntervalMs: checked.stalledIntervalMs, maxStalledCount: checked.maxStalledCount, concurrency: checked.concurrency },
      runJobs(task, args, copies, runOptions = {}) {
        if (destroying) return Promise.reject(new Error("this queue cluster was destroyed; start a new one with startQueueCluster()"));
        // An experiment of its own: an interrupted cell (abortAllExperiments) stops the batch; the cluster stays, like a kept pool.
        return startExperiment((controller) => {
          const given = runOptions.signal;
          const signal = given ? AbortSignal.any([given, controller.signal]) : controller.signal;
          return runBatch(context, task, args, copies, { ...runOptions, signal });
        });
      },
      async runLog() {
        if (context.run === undefined) return [];
        return (await readRunLog(context, context.run)).map((event) => ({ ...event, atMs: event.atMs - context.offset.offsetMs }));
      },
      killHost(index) {
        checkInteger("index", index, 0, workerInfo.length - 1, `pass a worker's index, 0 to ${workerInfo.length - 1}`);
        const worker = workerInfo[index]!;
        if (!worker.kill) throw new Error(`worker ${worker.host} runs on another machine: the course cannot kill it; stop it there`);
        worker.kill();
      },
      async restartServer(restart = {}) {
        if (!owned.server) throw new Error(`the server at ${server.url} is not the course's own: the course will not restart it`);
        await owned.server.restart(restart);
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** A worker's record on this process's clock. */
function toLocal(result: JobResult, kernel: ClockOffset): TaskRecord & { clockErrorMs: number } {
  return { ...result, startMs: result.startMs - kernel.offsetMs, endMs: result.endMs - kernel.offsetMs };
}

/** Asks the server about jobs still out: an event can be lost while the server restarts. */
async function reconcileOutstanding(queue: Queue, outstanding: ReadonlyMap<string, number>, finish: (id: string, outcome: { result: JobResult } | { reason: string }) => void): Promise<void> {
  for (const id of [...outstanding.keys()]) {
    try {
      const job = await queue.getJob(id);
      if (!job) {
        finish(id, { reason: "the job is gone from the server (was it restarted without its append-only file, or the queue removed?)" });
      } else if (job.finishedOn) {
        if (job.failedReason) finish(id, { reason: job.failedReason });
        else finish(id, { result: job.returnvalue as JobResult });
      }
    } catch {
      return; // the server is away (restarting): ask again next time
    }
  }
}

async function removeJobs(queue: Queue, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const job = await queue.getJob(id).catch(() => undefined);
    await job?.remove().catch(() => undefined); // an active job keeps its lock: its worker ends with the cluster
  }
}

async function readRunLog(context: BatchContext, run: string): Promise<RunEvent[]> {
  const raw = await context.connection.lrange(runLogKey(context.queueName, run), 0, -1);
  return [...raw.map((line) => JSON.parse(line) as RunEvent), ...(context.parentLog.get(run) ?? [])].sort((a, b) => a.atMs - b.atMs);
}
/** Most time the end of a completed job's log may trail its completion (they travel on different connections). */
const LOG_GRACE_MS = 500;

/**
 * A finished batch's log, then deleted from the server. Each completed copy's last attempt must
 * have logged its end; the worker's log write and BullMQ's completion travel on two connections,
 * so a missing end is waited for, briefly.
 */
async function finalRunLog(context: BatchContext, run: string, completed: readonly (readonly [number, number])[]): Promise<RunEvent[]> {
  const until = Date.now() + LOG_GRACE_MS;
  let events = await readRunLog(context, run);
  const ended = (): boolean => completed.every(([copy, attempt]) => events.some((e) => e.copy === copy && e.attempt === attempt && e.event === "end"));
  while (!ended() && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    events = await readRunLog(context, run);
  }
  await context.connection.del(runLogKey(context.queueName, run));
  context.parentLog.delete(run);
  return events;
}
/** Waits until `count` workers take jobs from the queue (BullMQ names each client), or says what to run. */
async function waitForExternalWorkers(queue: Queue, count: number, name: string, url: string, signal: AbortSignal | undefined): Promise<string[]> {
  const until = Date.now() + WORKER_READY_MS;
  for (;;) {
    throwIfAborted(signal);
    const workers = await queue.getWorkers();
    // BullMQ names each worker's connection bull:<queue>:w:<worker name>; conclab's workers are named <host>:<pid>.
    const names = workers.map((w) => String((w as { rawname?: string }).rawname ?? "").split(":w:")[1] ?? "").filter((n) => n.length > 0);
    if (names.length >= count) return names.slice(0, count);
    if (Date.now() > until) {
      throw new Error(`${names.length} of ${count} workers take jobs from queue "${name}" on ${url} after ${WORKER_READY_MS / 1000} s; on each machine run: npx conclab-worker --redis <that URL with its password> --queue ${name}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
