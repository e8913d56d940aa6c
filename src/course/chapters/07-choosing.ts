/**
 * Chapter 07, choosing by bottleneck: CPU-bound work scaled over copies, moderate waiting (a few
 * requests) and massive waiting (thousands of connections at once, Node's and CPython's), and the
 * article's questions as a function (advise). Its claims, their experiments at full and short
 * size, its captions, question and exercise check.
 */
import * as os from "node:os";
import { describeMachine } from "../../environment";
import { calibrate } from "../../experiment/calibrate";
import { compare, type CompareOptions, type CompareResult } from "../../experiment/compare";
import { pythonConnections, type PythonConnectionsRun } from "../../experiment/python-experiments";
import { run } from "../../experiment/run";
import { strategyName } from "../../figures/style";
import { formatBytes, formatDuration } from "../../measure/format";
import { type Stat } from "../../measure/stats";
import { findPython } from "../../python";
import { MAX_PARALLEL_COPIES, strategyDescriptor } from "../../strategies/descriptors";
import { countTo } from "../../tasks/cpu";
import { startDelayServer } from "../../tasks/delay-server";
import { httpGet } from "../../tasks/io";
import type { TaskFunction } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, decided, thresholdRule, verdictOf, type Check, type Claim, type Verdict } from "../claims";
import { attempt, coresBusyUntilDecided, ExerciseResult } from "../exercise-kit";
import { busyAtLeast, bytes, claim, ClaimParts, coresText, EVIDENCE, interpreterText, ms, NO_CPYTHON, PARALLEL_SHARE, ranWithoutGil, speedupClaim, THREADS_NO_RULE, threadsClaimVerdict, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";
import { ASYNC_LEAST_FACTOR } from "./03-approaches";

/** One point of 07's scaling curve: a strategy with `workers` copies, its speedup and CPUs busy. */
export interface ScalingPoint {
  readonly strategy: string;
  readonly workers: number;
  readonly speedup: Stat;
  /** CPUs busy at once, where the meter read them (absent in results saved without it). */
  readonly coresBusy?: Stat | null;
  readonly busy: boolean;
}

/** 07: CPU-bound work scales with cores on threads and processes. */
export function cpuScales(points: readonly ScalingPoint[], cores: number): Claim {
  const top = Math.max(...points.map((p) => p.workers));
  const atTop = points.filter((p) => p.workers === top);
  const threshold = PARALLEL_SHARE * Math.min(top, cores);
  const judge = (p: ScalingPoint): { check: Check; rule: string } => {
    const { check, rule } = busyAtLeast(p.strategy, p.speedup, p.coresBusy ?? null, threshold);
    return { check: check === "no" && p.busy ? "unclear" : check, rule };
  };
  const at = (key: string): ScalingPoint | undefined => atTop.find((p) => p.strategy === key);
  const threadsPoint = at("threads");
  const processesPoint = at("processes");
  const threads = threadsPoint ? judge(threadsPoint) : null;
  const processes = processesPoint ? judge(processesPoint) : null;
  const shortfall = threadsPoint ? `${threadsPoint.coresBusy ? `${threadsPoint.coresBusy.median.toFixed(2)} CPUs busy` : `${x(threadsPoint.speedup.median)}`} with ${top} copies, under ${threshold.toFixed(2)}` : "";
  const judged = threads
    ? threadsClaimVerdict(threads.check, processes?.check ?? null, shortfall)
    : { verdict: "not measured" as Verdict, reason: "no worker threads ran on the curve" };
  const reason =
    judged.verdict === "differs"
      ? `worker threads scaled CPU work with cores${processes?.check === "yes" ? ", as child processes did" : ""}: processes are not the only way past one core in Node, and threads start faster and use less memory`
      : judged.reason;
  const parts: ClaimParts = {
    id: "decision.cpu",
    section: "07-choosing",
    claim: "CPU-heavy work calls for processes: nothing but processes puts more than one core to work on it.",
    measured:
      atTop.map((p) => `${p.strategy} ${x(p.speedup.median)}${p.coresBusy ? ` (${p.coresBusy.median.toFixed(2)} CPUs busy)` : ""}`).join(", ") +
      ` with ${top} ${top === 1 ? "copy" : "copies"} on ${coresText(cores)}`,
    verdict: judged.verdict,
    reason,
    rule: `${[threads?.rule, processes?.rule].filter(Boolean).join("; ")}; ${THREADS_NO_RULE}`,
    nodeByDesign: "Node's worker threads have no GIL, so they scale CPU work like processes do (in CPython, free-threaded builds and subinterpreters change this too)",
    evidence: EVIDENCE.nodeThreadsParallel,
  };
  return top < 2 ? claim({ ...parts, verdict: "not measured", reason: "one copy: nothing to spread over cores" }) : speedupClaim(cores, parts);
}

/**
 * 07: moderate waiting: the article's "threads are the easy choice" is advice for Python, so it is
 * decided on CPython's threads (`python:threads` against `python:sequential` in `result`): they
 * must overlap the waits. Node's async and worker threads in the same result are its translation,
 * quoted, never the evidence. Without a CPython run: not measured.
 */
export function moderateWaiting(result: CompareResult): Claim {
  const want = 0.6 * result.copies;
  const speedupOf = (key: string): Stat | null => result.strategies.find((s) => s.strategy === key)?.speedup ?? null;
  const node = (["async", "threads"] as const)
    .flatMap((key) => {
      const up = speedupOf(key);
      return up ? [`Node ${key === "async" ? "async" : "worker threads"} ${x(up.median)}`] : [];
    })
    .join(", ");
  const python = speedupOf("python:threads");
  const parts = {
    id: "decision.moderate-waiting",
    section: "07-choosing",
    claim: "Waiting under moderate load? Threads are the easy choice: a few threads overlap a few waits well (how easy they are to write is not measured).",
    evidence: EVIDENCE.cpythonThreadsOverlapWaits,
  };
  if (!python) {
    return claim({
      ...parts,
      measured: `no CPython run; ${result.copies} requests to a slow server in Node: ${node || "no concurrent strategy"} faster than one at a time`,
      verdict: "not measured",
      reason: "the claim is about Python's threads and no CPython 3.8+ ran them here; Node's numbers translate it, they do not decide it",
      rule: "needs CPython's threads (python:threads beside python:sequential)",
    });
  }
  const check = atLeast(python, want);
  const withoutGil = ranWithoutGil(result);
  return claim({
    ...parts,
    measured: `${result.copies} requests to a slow server: CPython threads ${x(python.median)} faster than one at a time${node ? `; in Node (the translation): ${node}` : ""}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? withoutGil
          ? `each CPython thread waited on its socket while the others went on (${interpreterText(withoutGil)}, so there was no GIL to let go of), and the requests overlapped: threads do the job at this load`
          : "each CPython thread released the GIL while it waited on its socket, so the requests overlapped: threads do the job at this load"
        : check === "no"
          ? "CPython's threads did not overlap the waits at this load: each request waited for the one before"
          : "this run did not decide whether CPython's threads overlapped the waits",
    rule: `${thresholdRule("speedup of CPython threads over one request after another", python, "at least", want, xFormat)}; ease of programming is not measured`,
  });
}

/** A run of CPython's connections experiment, as massiveWaiting reads it. */
export interface ConnectionsRun {
  readonly count: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly mostAtOnce: number;
  readonly bytesPerConnection: number;
}

/** Below this share of the requested connections open at once, the two ways did not hold the same load. */
const AT_ONCE_SHARE = 0.9;

/**
 * 07: massive waiting: one thread holds thousands of connections with far less memory than
 * threads. The article compares a thread per connection with one event loop in Python, so it is
 * decided on CPython's run at equal concurrency (`python`: asyncio and a thread per request, every
 * connection open at once): holds if asyncio lost no request and held each connection for under
 * 1/ASYNC_LEAST_FACTOR of a thread's memory; differs if asyncio lost requests that threads did
 * not, or cost as much or more per connection; unclear if the two ways did not hold the same load
 * at once, or both lost requests (the server or the system). Not measured without CPython. Node's
 * runs (`nodeAsync` on its event loop, `nodePool` of worker threads) are quoted as the translation.
 */
export function massiveWaiting(
  nodeAsync: { requests: number; failed: number; wallMs: number; addedBytes: number },
  nodePool: { threads: number; requests: number; failed: number; wallMs: number; addedBytes: number },
  python: { readonly asyncio: ConnectionsRun; readonly threads: ConnectionsRun } | null = null,
): Claim {
  const nodeText =
    `Node (the translation): ${nodeAsync.requests.toLocaleString("en-US")} connections on one thread ${ms(nodeAsync.wallMs)}, +${bytes(nodeAsync.addedBytes)}, ${nodeAsync.failed} failed; ` +
    `${nodePool.threads} worker threads serving them one at a time each ${ms(nodePool.wallMs)}, +${bytes(nodePool.addedBytes)} (a worker carries a whole isolate, so Node has no thread per connection)`;
  const parts = {
    id: "decision.massive-waiting",
    section: "07-choosing",
    claim: "Waiting on 1000+ connections? Use async: one thread holds them all, with far less memory than threads.",
    rule:
      `decided on CPython at equal concurrency: holds if asyncio lost no request and held a connection for under 1/${ASYNC_LEAST_FACTOR} of a thread-per-connection's peak memory; ` +
      `differs if asyncio lost requests that threads did not, or cost as much or more; unclear if either way held under ${AT_ONCE_SHARE * 100}% of the connections at once, both lost requests, or the ratio fell between`,
  };
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's connections run (decision.cpythonMassiveWaiting)" });
  const { asyncio: a, threads: t } = python;
  const ratio = t.bytesPerConnection / Math.max(a.bytesPerConnection, 1);
  const held = (r: ConnectionsRun): boolean => r.mostAtOnce >= AT_ONCE_SHARE * r.count;
  let verdict: Verdict;
  let reason: string;
  if (!held(a) || !held(t)) {
    verdict = "unclear";
    reason = `the two ways did not hold the same load at once (asyncio ${a.mostAtOnce.toLocaleString("en-US")}, threads ${t.mostAtOnce.toLocaleString("en-US")} of ${a.count.toLocaleString("en-US")}), so their memory cannot be compared`;
  } else if (a.failed > 0 && t.failed > 0) {
    verdict = "unclear";
    reason = "both ways lost requests: the server or the system could not serve this many, which says nothing about either";
  } else if (a.failed > 0) {
    verdict = "differs";
    reason = `asyncio lost ${a.failed.toLocaleString("en-US")} requests that threads served`;
  } else if (ratio >= ASYNC_LEAST_FACTOR) {
    verdict = "holds";
    reason = `the event loop held every connection on one thread for 1/${ratio.toFixed(1)} of the memory a thread per connection took (each thread keeps a stack and its own state while it waits)`;
  } else if (ratio <= 1) {
    verdict = "differs";
    reason = `a thread per connection took no more memory than asyncio (${x(ratio)})`;
  } else {
    verdict = "unclear";
    reason = `a thread per connection took ${x(ratio)} asyncio's memory: less than ${ASYNC_LEAST_FACTOR}x, too close to call far less across one reading each`;
  }
  return claim({
    ...parts,
    measured:
      `CPython ${a.count.toLocaleString("en-US")} requests waiting at once: asyncio on one thread ${ms(a.wallMs)}, ${bytes(a.bytesPerConnection)} per connection (peak resident), ${a.failed} failed, ${a.mostAtOnce.toLocaleString("en-US")} open at once; ` +
      `a thread each ${ms(t.wallMs)}, ${bytes(t.bytesPerConnection)} per connection, ${t.failed} failed, ${t.mostAtOnce.toLocaleString("en-US")} open at once; ${nodeText}`,
    verdict,
    reason,
    observed: { median: ratio, low: ratio, high: ratio },
  });
}

/** The sentence under the speedup curve: at the most copies, each strategy's speedup, efficiency and CPUs busy. */
export function speedupCurveCaption(points: readonly { readonly strategy: string; readonly workers: number; readonly speedup: { readonly median: number }; readonly coresBusy?: { readonly median: number } | null }[], cores: number): string {
  if (points.length === 0) return "";
  const top = Math.max(...points.map((p) => p.workers));
  const ideal = Math.min(top, cores);
  const parts = points
    .filter((p) => p.workers === top)
    .map((p) => `${strategyName(p.strategy)} ${x(p.speedup.median)} (efficiency ${(p.speedup.median / ideal).toFixed(2)}${p.coresBusy ? `, ${p.coresBusy.median.toFixed(2)} CPUs busy` : ""})`);
  return `With ${top} cop${top === 1 ? "y" : "ies"} on ${cores} usable CPU${cores === 1 ? "" : "s"} (ideal speedup here: ${x(ideal)}): ${parts.join(", ")}.`;
}

/** The sentence under the massive-waiting table: time and memory of the pool against one thread. */
export function massiveWaitingCaption(result: { readonly async: { readonly wallMs: number; readonly addedBytes: number; readonly failed: number }; readonly pool: { readonly threads: number; readonly wallMs: number; readonly addedBytes: number } }): string {
  const a = result.async;
  const p = result.pool;
  // Resident memory can fall during a run (the kernel frees pages): a ratio only means something when both grew.
  const memory =
    a.addedBytes > 0 && p.addedBytes > 0
      ? `${x(p.addedBytes / a.addedBytes)} the memory`
      : p.addedBytes > 0
        ? `${formatBytes(p.addedBytes)} of memory against none measurable`
        : a.addedBytes > 0
          ? `no measurable memory against ${formatBytes(a.addedBytes)}`
          : "no measurable memory either way";
  return `One thread: ${formatDuration(a.wallMs)} and ${formatBytes(a.addedBytes)} added, ${a.failed} failed; the pool of ${p.threads}: ${x(p.wallMs / a.wallMs)} the time and ${memory}.`;
}

/** What 07's check measured: CPUs busy for one copy alone, for `answer` copies and for one more. */
export interface CopiesEvidence {
  readonly answer: number;
  /** One copy alone: what "a core of its own" reads on this machine (a little under 1). */
  readonly one: Stat;
  /** Other programs used the CPUs during the one copy: its reading is no unit. */
  readonly oneBusy: boolean;
  readonly all: Stat;
  /** Other programs used the CPUs during the `answer` copies. */
  readonly allBusy: boolean;
  readonly more: Stat;
  readonly moreBusy: boolean;
}

/** 07's check: the least CPUs busy one copy alone must read to serve as the unit of a core. */
export const COPIES_CHECK = { minOneCopy: 0.8 } as const;

/**
 * The thresholds of 07's verdict: `answer` copies each had a core when their CPUs busy lie at or
 * above (answer − ½) × one copy's reading; the extra copy added no core when answer + 1 copies lie
 * at or below (answer + ½) × that reading. Half a core either side of the count is what one core
 * more or less changes, measured in this machine's own unit (one copy alone).
 */
export function copiesThresholds(answer: number, one: Stat): { all: number; more: number } {
  const unit = Math.min(1, one.median);
  return { all: (answer - 0.5) * unit, more: (answer + 0.5) * unit };
}

/**
 * 07's verdict, decided on the 95 % intervals (atLeast, atMost). Cannot tell when one copy alone
 * was read on a busy machine or kept under COPIES_CHECK.minOneCopy busy (no unit). Passes when `answer` copies each
 * had a core and one more added none, with the machine quiet; fails when `answer` copies did not
 * all work at once on a quiet machine, or when one more copy found a free core (other programs can
 * only take CPUs away, so that reading stands even on a busy machine); otherwise cannot tell.
 */
export function judgeCopiesAtOnce(evidence: CopiesEvidence): ExerciseResult {
  const exercise = "how many copies work at once";
  const { answer, one, oneBusy, all, allBusy, more, moreBusy } = evidence;
  if (oneBusy || one.median < COPIES_CHECK.minOneCopy) {
    return {
      exercise,
      passed: null,
      message: `Cannot tell: one copy alone kept ${one.median.toFixed(2)} CPUs busy${oneBusy ? " while other programs were using the CPUs" : ""}, so it cannot serve as the measure of one core. Run the cell again when the machine is quieter.`,
    };
  }
  const at = copiesThresholds(answer, one);
  const allCheck = atLeast(all, at.all);
  const moreCheck = atMost(more, at.more);
  const read =
    `${answer} cop${answer === 1 ? "y" : "ies"} kept ${all.median.toFixed(2)} CPUs busy, ${answer + 1} kept ${more.median.toFixed(2)} ` +
    `(one copy alone ${one.median.toFixed(2)}; medians of ${all.samples.length} and ${more.samples.length} repeats)`;
  if (moreCheck === "no") return { exercise, passed: false, message: `Not yet: ${read}: one more copy still found a free core (above ${at.more.toFixed(2)}). Try more.` };
  if (allCheck === "no" && !allBusy) return { exercise, passed: false, message: `Not yet: ${read}: ${answer} copies did not all work at once here (below ${at.all.toFixed(2)}). Try fewer.` };
  if (allCheck === "yes" && moreCheck === "yes" && !moreBusy) {
    return { exercise, passed: true, message: `Done: ${read}: ${answer === 1 ? "the copy" : `each of the ${answer} copies`} had a core, and one copy more found no free one.` };
  }
  const why = allBusy || moreBusy ? "other programs were using the CPUs meanwhile" : "the repeats disagreed too much to place them";
  return { exercise, passed: null, message: `Cannot tell: ${read}, and ${why}. Run the cell again when the machine is quieter.` };
}

/**
 * 07: how many copies of a CPU-bound task this machine runs at once before one more stops adding
 * a core. Runs one copy of countTo on a child process, then `answer` copies, then `answer + 1`,
 * reading the CPUs busy (repeated until decided); judged by judgeCopiesAtOnce. Answers above this
 * machine's logical CPUs fail at once; answers the processes strategy cannot check (more than
 * MAX_PARALLEL_COPIES − 1, as it runs one more) are "cannot tell".
 */
export async function checkCopiesAtOnce(answer: number): Promise<ExerciseResult> {
  const exercise = "how many copies work at once";
  const logical = Math.max(1, os.cpus().length);
  if (!Number.isInteger(answer) || answer < 1) return { exercise, passed: false, message: `Not yet: answer with a whole number of copies, 1 or more, got ${String(answer)}.` };
  if (answer > logical) return { exercise, passed: false, message: `Not yet: this machine has ${logical} logical CPU${logical === 1 ? "" : "s"}, so ${answer} copies cannot each have one. Try fewer.` };
  if (answer > MAX_PARALLEL_COPIES - 1) {
    return { exercise, passed: null, message: `Cannot tell here: the check runs ${answer + 1} copies, and the processes strategy runs at most ${MAX_PARALLEL_COPIES}.` };
  }
  return attempt(exercise, async () => {
    const size = await calibrate(countTo, { targetMs: 100 });
    const oneRun = await coresBusyUntilDecided("processes", size, 1, () => "yes");
    if (!oneRun) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    const at = copiesThresholds(answer, oneRun.stat);
    const all = await coresBusyUntilDecided("processes", size, answer, (stat) => atLeast(stat, at.all));
    const more = await coresBusyUntilDecided("processes", size, answer + 1, (stat) => atMost(stat, at.more));
    if (!all || !more) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    return judgeCopiesAtOnce({ answer, one: oneRun.stat, oneBusy: oneRun.busy, all: all.stat, allBusy: all.busy, more: more.stat, moreBusy: more.busy });
  });
}

/** The copy counts of the scaling curve: powers of two up to the CPUs (at most 64), and the CPUs themselves. */
export function scalingCopies(cores: number): number[] {
  const top = Math.min(cores, 64);
  return [...new Set([1, 2, 4, 8, 16, 32, 64].filter((k) => k <= top).concat([top]))];
}

/**
 * Runs `task(...args)` as each count of copies in `copies` under `strategies` (default: one after
 * another, on worker threads and on child processes; `["python"]` for CPython's), and returns one
 * point per strategy that is not its own baseline, per count: its speedup over that baseline and
 * the CPUs it kept busy.
 */
export async function scalingCurve<F extends TaskFunction>(options: {
  task: F;
  args: Parameters<F>;
  copies: readonly number[];
  strategies?: CompareOptions<F>["strategies"];
  repeats?: number;
  until?: (points: ScalingPoint[]) => boolean;
}): Promise<ScalingPoint[]> {
  const curve: ScalingPoint[] = [];
  for (const k of options.copies) {
    const pointsOf = (r: CompareResult): ScalingPoint[] =>
      r.strategies
        .filter((s) => strategyDescriptor(s.strategy)?.baseline !== s.strategy)
        .map((s) => ({ strategy: s.strategy, workers: k, speedup: s.speedup!, coresBusy: s.coresBusy, busy: r.noise.busy }));
    const stopWhen = options.until;
    const r = await compare({
      task: options.task,
      args: options.args,
      copies: k,
      strategies: options.strategies ?? ["sequential", "threads", "processes"],
      repeats: options.repeats ?? 3,
      warmup: 1,
      ...(stopWhen ? { until: (partial) => stopWhen([...curve, ...pointsOf(partial)]) } : {}),
    });
    curve.push(...pointsOf(r));
  }
  return curve;
}

/**
 * Moderate waiting: `copies` requests to `url`, one after another and started together, in Node
 * (the event loop, worker threads) and, where a CPython 3.8+ is found, on CPython's threads: the
 * article's advice is about Python's threads, so `moderateWaiting` decides on those.
 * Repeats until that verdict is decided.
 */
export function moderateWaits(url: string, options: { copies: number; repeats?: number }): Promise<CompareResult> {
  const python = findPython() ? (["python:sequential", "python:threads"] as const) : [];
  return compare({
    task: httpGet, args: [url], copies: options.copies, strategies: ["sequential", "async", "threads", ...python], repeats: options.repeats ?? 3, warmup: 1,
    until: (r) => decided(moderateWaiting(r)),
  });
}

/** CPython's massive waiting, both ways: what `massiveWaiting` decides on. */
export interface CPythonMassiveRun {
  readonly asyncio: PythonConnectionsRun;
  readonly threads: PythonConnectionsRun;
}

/** Runs `body` against a delay server in a child process that answers after `delayMs`, and closes it after, whatever happens. */
async function withDelayServer<T>(delayMs: number, body: (url: string) => Promise<T>): Promise<T> {
  const server = await startDelayServer({ delayMs, inChildProcess: true });
  try {
    return await body(server.url);
  } finally {
    await server.close();
  }
}

/** How big 07's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = {
  full: { taskMs: 150, moderate: { delayMs: 100, copies: 8 }, massive: { requests: 10_000, threads: 32 }, cpythonMassive: { connections: 5_000, delayMs: 1_000 } },
  short: { taskMs: 60, moderate: { delayMs: 50, copies: 4 }, massive: { requests: 2_000, threads: 8 }, cpythonMassive: { connections: 2_000, delayMs: 800 } },
} as const;

/**
 * Massive waiting in CPython, at equal concurrency: 5,000 requests (2,000 short) to a server that
 * answers after 1 s (0.8 s short), all awaited on one asyncio loop, then one
 * thread each; each request opens its connection and waits for all the others to open theirs
 * before it sends (pythonConnections), so both ways hold every connection at once.
 * Null where no CPython 3.8+ is found. About 5 s here.
 */
export async function cpythonMassiveWaiting(size: Size = "full"): Promise<CPythonMassiveRun | null> {
  if (!findPython()) return null;
  const { connections: count, delayMs } = SIZES[size].cpythonMassive;
  return withDelayServer(delayMs, async (url) => {
    const asyncio = await pythonConnections(url, { count, mode: "asyncio" });
    const threads = await pythonConnections(url, { count, mode: "threads" });
    return { asyncio, threads };
  });
}

/** One thread awaiting every request at once: what `massiveWaiting` reads. */
export interface AsyncWaitingRun {
  readonly requests: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly addedBytes: number;
}

/** A pool of threads, each serving its share of the requests one at a time. */
export interface PoolWaitingRun extends AsyncWaitingRun {
  readonly threads: number;
}

/**
 * A thread of a pool serving `count` requests to `url` one at a time, as a thread blocked in a
 * socket call does; returns how many were answered with status 200.
 */
export async function requestsOneAtATime(url: string, count: number): Promise<number> {
  const http = require("node:http") as typeof import("node:http");
  let answered = 0;
  for (let i = 0; i < count; i++) {
    answered += await new Promise<number>((resolve, reject) => {
      http
        .get(url, { agent: false }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode === 200 ? 1 : 0));
        })
        .on("error", reject);
    });
  }
  return answered;
}

/**
 * Massive waiting: `requests` requests to `url` (a server that answers `bytes` bytes), first all
 * awaited at once on the event loop, then served by a pool of `threads` worker threads one request
 * each at a time. Memory is the kernel's resident set at its peak, less what it was before each.
 */
export async function massiveWaitingRun(url: string, options: { requests: number; threads: number; bytes?: number }): Promise<{ async: AsyncWaitingRun; pool: PoolWaitingRun }> {
  const { requests, threads } = options;
  const bytes = options.bytes ?? 1024;
  const before = process.memoryUsage().rss;
  const oneThread = await run({ strategy: "async", task: httpGet, args: [url], copies: requests, warmup: 0, timeoutMs: 120_000 });
  const asyncRun = { requests, failed: oneThread.results.filter((n) => n !== bytes).length, wallMs: oneThread.wallMs, addedBytes: oneThread.memory.rssPeakBytes - before };
  const share = Math.ceil(requests / threads);
  const beforePool = process.memoryUsage().rss;
  const pooled = await run({ strategy: "threads", task: requestsOneAtATime, args: [url, share], copies: threads, warmup: 0, timeoutMs: 300_000 });
  const served = threads * share;
  const answered = (pooled.results as number[]).reduce((a, b) => a + b, 0);
  return {
    async: asyncRun,
    pool: { threads, requests: served, failed: served - answered, wallMs: pooled.wallMs, addedBytes: pooled.memory.rssPeakBytes - beforePool },
  };
}

/** What this machine's runs of 07 (curve, massive) and 08 (counter) showed, for {@link advise}: each cited where given. */
export interface DecisionEvidence {
  readonly cores: number;
  readonly curve?: readonly ScalingPoint[];
  readonly massive?: { readonly async: AsyncWaitingRun };
  readonly counter?: { readonly lost: { readonly plain: number; readonly expected: number } };
}

/** The article's three questions as a function: advice in Node's terms, citing this run's numbers. */
export function advise(question: { bottleneck: "cpu" | "waiting"; connections?: number; sharedState?: boolean }, evidence: DecisionEvidence): string {
  const advice: string[] = [];
  if (question.bottleneck === "cpu") {
    const threadsAt = evidence.curve?.filter((p) => p.strategy === "threads").at(-1);
    const cited = !threadsAt
      ? ""
      : threadsAt.workers < 2
        ? " (with one CPU here, this machine cannot show their speedup)"
        : ` (here ${threadsAt.speedup.median.toFixed(2)}x with ${threadsAt.workers} copies on ${evidence.cores} CPUs)`;
    advice.push(`CPU-bound: use worker threads${cited}, or child processes when tasks must be isolated; never the event loop alone.`);
  } else if ((question.connections ?? 1) >= 1000) {
    const a = evidence.massive?.async;
    const cited = a ? ` (here ${a.requests.toLocaleString("en-US")} connections in ${a.wallMs.toFixed(0)} ms on one thread, ${a.failed} failed)` : "";
    advice.push(`Massive waiting: async I/O on the event loop${cited}.`);
  } else {
    advice.push("Moderate waiting: await the requests together on the event loop; use a worker thread only for a call that blocks.");
  }
  if (question.sharedState) {
    const lost = evidence.counter?.lost.plain;
    const cited = lost === undefined ? "" : ` (a plain ++ lost ${lost > 0 ? lost.toLocaleString("en-US") : "no"} updates here)`;
    advice.push(
      `Shared state: between threads use Atomics or a lock${cited}; ` +
        "in async code keep each read-modify-write free of awaits; between processes send messages.",
    );
  }
  return advice.join("\n");
}

/** The massive-waiting runs as table rows, one per approach. */
export function massiveWaitingRows(result: { async: AsyncWaitingRun; pool: PoolWaitingRun }): Record<string, string | number>[] {
  const row = (approach: string, r: AsyncWaitingRun): Record<string, string | number> => ({
    approach,
    connections: r.requests,
    failed: r.failed,
    "wall time (ms)": r.wallMs,
    "memory added (MB)": r.addedBytes / 2 ** 20,
  });
  return [row("one thread, all connections awaited at once", result.async), row(`${result.pool.threads} worker threads, one connection each at a time`, result.pool)];
}

/** CPython's massive-waiting run as table rows, one per way of holding the connections. */
export function cpythonMassiveRows(run: CPythonMassiveRun): Record<string, string | number>[] {
  const row = (way: string, r: PythonConnectionsRun): Record<string, string | number> => ({
    way,
    requests: r.count,
    "open at once (most)": r.mostAtOnce,
    failed: r.failed,
    "wall time (ms)": r.wallMs,
    "memory per connection (KB, peak resident)": r.bytesPerConnection / 1024,
  });
  return [row("asyncio: all awaited on one event loop", run.asyncio), row("a thread per request, blocked in its socket call", run.threads)];
}

/** The count that takes about 150 ms here (60 ms short). */
export function taskSize(size: Size = "full"): Promise<number> {
  return calibrate(countTo, { targetMs: SIZES[size].taskMs });
}

/** The CPU experiment: speedup and CPUs busy of threads and processes at each count of copies (scalingCopies; only min(CPUs, 4) short), until cpuScales decides. */
export function cpuRun(n: number, size: Size = "full"): Promise<ScalingPoint[]> {
  const cores = describeMachine().cores;
  const copies = size === "full" ? scalingCopies(cores) : [Math.min(cores, 4)];
  return scalingCurve({ task: countTo, args: [n], copies, until: (points) => decided(cpuScales(points, cores)) });
}

/** Moderate waiting: 8 requests (4 short) to a server in a child process that answers in 100 ms (50 ms short); see moderateWaits. */
export async function moderateRun(size: Size = "full"): Promise<CompareResult> {
  const { delayMs, copies } = SIZES[size].moderate;
  return withDelayServer(delayMs, (url) => moderateWaits(url, { copies }));
}

/** Massive waiting: 10,000 requests (2,000 short) to a server that answers in 10 ms, all awaited at once, then through 32 threads (8 short); see massiveWaitingRun. */
export async function massiveRun(size: Size = "full"): Promise<{ async: AsyncWaitingRun; pool: PoolWaitingRun }> {
  const { requests, threads } = SIZES[size].massive;
  return withDelayServer(10, (url) => massiveWaitingRun(url, { requests, threads }));
}

/** 07's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const cores = describeMachine().cores;
  const curve = await cpuRun(await taskSize("short"), "short");
  const moderate = await moderateRun("short");
  const massive = await massiveRun("short");
  const cpython = await cpythonMassiveWaiting("short");
  return { claims: [cpuScales(curve, cores), moderateWaiting(moderate), massiveWaiting(massive.async, massive.pool, cpython)], data: { cores } };
}

/** Asked before the experiment that decides decision.massive-waiting. */
const ASKED_MASSIVE_WAITING: Question = {
  id: "decision.massive-waiting",
  text: "In CPython, thousands of requests all wait at once on a slow server: either every one awaited on one asyncio event loop, or one thread per request, blocked in its socket call. How does the memory a thread per connection takes compare with asyncio's per connection?",
  choices: {
    a: "twice asyncio's or more: each thread keeps a stack and its own state while it waits",
    b: "between about the same and twice: a waiting socket costs most of it either way",
    c: "less than asyncio's: threads share their process's memory",
  },
  predicts: { a: "a thread per connection at least 2x asyncio's memory", b: "1x to 2x asyncio's memory", c: "under asyncio's memory" },
  choose: (o) => rangeChoice(o, { a: [2, ANY_HIGH], b: [1, 2], c: [0, 1] }),
};

export const chapter: Chapter = {
  id: "07-choosing",
  title: "07 · When to use what: is the bottleneck the CPU, or waiting?",
  question: "Which approach fits CPU-bound work, and which fits waiting, moderate and massive?",
  about: "the decision matrix's first two questions as experiments: CPU scaling, moderate and massive waiting (10,000 connections)",
  claims: ["decision.cpu", "decision.moderate-waiting", "decision.massive-waiting"],
  questions: [ASKED_MASSIVE_WAITING],
  shortRun,
};
