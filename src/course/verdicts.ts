/**
 * One function per claim of the article: each takes what a notebook measured and returns the claim
 * with the numbers and a verdict computed from them. Thresholds widen with the noise of the run
 * (see tolerance()); nothing here is a hand-written outcome.
 */
import { describeMachine, type MachineDescription } from "../environment";
import { findPython } from "../python";
import type { CompareResult, StrategyResult } from "../experiment/compare";
import type { LoopLagResult } from "../measure/loop-lag";
import type { MemoryPerUnit } from "../measure/memory-per-unit";
import type { StartupSamples } from "../measure/startup";
import { median, type Stat } from "../measure/stats";
import { atLeast, atMost, tolerance, verdictOf, type Check, type Claim, type Verdict } from "./claims";
import { byRepeat, laneCount, maxConcurrency } from "./overlap";

function strategy(result: CompareResult, key: string): StrategyResult {
  const found = result.strategies.find((s) => s.strategy === key);
  if (!found) throw new RangeError(`result must include strategy ${key}, got ${result.strategies.map((s) => s.strategy).join(", ")}; add it to strategies`);
  return found;
}

const coresText = (cores: number): string => `${cores} core${cores === 1 ? "" : "s"}`;

/** "; 1.9 CPUs busy on average" for a strategy whose meter read its CPU time, else nothing. */
function busyText(result: CompareResult, key: string): string {
  const busy = result.strategies.find((s) => s.strategy === key)?.coresBusy;
  return busy ? `; ${busy.median.toFixed(1)} CPUs busy on average (CPU time over wall time)` : "";
}
const x = (value: number): string => `${value.toFixed(2)}x`;
const ms = (value: number): string =>
  value < 0.001 ? "< 1 µs" : value < 1 ? `${Number((value * 1000).toPrecision(2))} µs` : value < 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(0)} ms`;

/**
 * "Threads gave no speedup" only means something if the cores were free: if processes in the same
 * run did not speed up either, the lack of speedup proves nothing about threads.
 */
function noSpeedupShown(threadsCheck: Check, python: CompareResult): Check {
  if (threadsCheck !== "yes") return threadsCheck;
  if (!python.strategies.some((s) => s.strategy === "python:processes" && s.speedup)) return threadsCheck;
  return parallelSpeedup(python, "python:processes").check === "yes" ? "yes" : "unclear";
}
const bytes = (value: number): string =>
  value < 1024 ? `${value.toFixed(0)} B` : value < 1024 ** 2 ? `${(value / 1024).toFixed(1)} KB` : `${(value / 1024 ** 2).toFixed(1)} MB`;

/**
 * A "no" on a busy run is not evidence against a claim about parallel speedup: other programs may
 * have held the cores. Such a check becomes "unclear".
 */
function onBusy(check: Check, result: CompareResult): Check {
  return check === "no" && result.noise.busy ? "unclear" : check;
}

/** Parallel work should reach 75% of min(copies, cores) on several cores, and stay about 1x on one. */
export const PARALLEL_SHARE = 0.75;

/**
 * Did `key` speed up as parallel work should? Against its own runtime's sequential run, with the
 * noise margin of both, and "unclear" rather than "no" on a busy machine.
 */
export function parallelSpeedup(result: CompareResult, key: string): { check: Check; speedup: Stat; cores: number; expected: number } {
  const speedup = strategy(result, key).speedup;
  if (!speedup) throw new RangeError(`result must include a sequential run for ${key} to compute its speedup; add it to strategies`);
  const cores = result.environment.cores;
  const expected = Math.min(result.copies, cores);
  const noise = tolerance(speedup, strategy(result, key.startsWith("python:") ? "python:sequential" : "sequential").wallMs);
  const check = onBusy(cores >= 2 ? atLeast(speedup, PARALLEL_SHARE * expected, noise) : atMost(speedup, 1.2, noise), result);
  return { check, speedup, cores, expected };
}

/**
 * Why a parallel speedup fell clearly short, naming only what was measured: the usable CPUs and
 * how much CPU other programs took during the run (a busy run is "unclear", never "differs").
 */
function shortfallReason(result: CompareResult, expected: number): string {
  const share = result.noise.contention;
  const others =
    share === null
      ? "this platform cannot measure what other programs used meanwhile"
      : `other programs used ${(share * 100).toFixed(0)}% of the CPU meanwhile, too little to explain it`;
  return `the speedup stayed below ${x(PARALLEL_SHARE * expected)} although ${coresText(result.environment.cores)} were usable; ${others}. Copies that run at the same time can each run slower than one alone (shared physical cores, clock limits): compare the per-copy times`;
}

/** Why CPython threads sped up CPU work, from what the interpreter in use says of its GIL. */
function threadsSpedUpReason(): string {
  return findPython()?.gil === false
    ? "this CPython runs with its GIL disabled (a free-threaded build), so its threads run Python code in parallel: the claim is about the standard build"
    : "CPython threads sped up CPU work although this interpreter reports its GIL enabled: the run was disturbed, or the work ran in C code that releases the GIL";
}

/** Why a claim about parallel speedup, or about its absence, cannot be judged on one core. */
const ONE_CORE = "one core: no parallel speedup is possible, so neither a speedup nor its absence says anything about this claim";

/** ONE_CORE, naming the container's quota or the affinity mask when that, not the machine, allows one CPU. */
function oneCoreReason(machine: number | Pick<MachineDescription, "cores" | "cpuLimit">): string {
  // A bare count comes from a notebook on this machine: this machine's limits explain it when they agree.
  const here = typeof machine === "number" ? describeMachine() : machine;
  if (typeof machine === "number" && here.cores !== machine) return ONE_CORE;
  const { limitedBy, cores, affinityCores, quotaCpus } = here.cpuLimit;
  if (limitedBy === "quota") {
    return `${ONE_CORE}. The machine has ${coresText(cores)}, but this container's CPU quota allows ${quotaCpus} CPU's worth of time (as on Binder): run the course where it may use two or more CPUs to see this claim measured`;
  }
  if (limitedBy === "affinity") return `${ONE_CORE}. The machine has ${coresText(cores)}, but this process may run on ${affinityCores} of them (its CPU affinity)`;
  return ONE_CORE;
}

function claim(id: string, section: string, text: string, measured: string, verdict: Verdict, reason: string): Claim {
  return { id, section, claim: text, measured, verdict, reason };
}

/**
 * A claim about parallel speedup, or its absence: on one effective CPU "not measured", whatever the
 * numbers say. `machine` is the run's environment (so the reason can name a quota) or a core count.
 */
function speedupClaim(machine: number | MachineDescription, id: string, section: string, text: string, measured: string, verdict: Verdict, reason: string): Claim {
  const cores = typeof machine === "number" ? machine : machine.cores;
  return cores < 2 ? claim(id, section, text, measured, "not measured", oneCoreReason(machine)) : claim(id, section, text, measured, verdict, reason);
}

/** 01: on one thread, CPU tasks take turns; waiting tasks overlap in time on the same lane. */
export function concurrencyOnOneLane(cpu: CompareResult, waiting: CompareResult): Claim {
  const cpuRuns = byRepeat(strategy(cpu, "eventLoop").spans);
  const waitRuns = byRepeat(strategy(waiting, "async").spans);
  const cpuMost = Math.max(...cpuRuns.map(maxConcurrency));
  const waitMost = Math.min(...waitRuns.map(maxConcurrency));
  const lanes = laneCount([...cpuRuns.flat(), ...waitRuns.flat()]);
  const holds = cpuMost === 1 && waitMost === waiting.copies && lanes === 1;
  return claim(
    "concepts.concurrency",
    "01-core-concepts",
    "Concurrency is dealing with many tasks at once by switching between them; one worker does one thing at any instant.",
    `on one lane: ${cpu.copies} CPU tasks started together never overlapped (at most ${cpuMost} running at once); ${waiting.copies} waiting tasks all overlapped (${waitMost} at once)`,
    holds ? "holds" : "differs",
    holds
      ? "the event loop switched between tasks only where they waited; CPU work ran one task at a time"
      : "the spans did not show the expected pattern; rerun the cell (a busy machine can distort timings, never the order)",
  );
}

/** 01: parallelism needs several cores: worker threads overlap CPU work and finish sooner. */
export function parallelismNeedsCores(cpu: CompareResult): Claim {
  const threads = strategy(cpu, "threads");
  const most = Math.min(...byRepeat(threads.spans).map(maxConcurrency));
  const { check: speedupCheck, speedup, cores, expected } = parallelSpeedup(cpu, "threads");
  const check: Check = cores >= 2 && most < 2 ? "no" : speedupCheck;
  const holds = check === "yes";
  return claim(
    "concepts.parallelism",
    "01-core-concepts",
    "Parallelism is doing many things at the same instant, and it needs hardware: several cores.",
    `${cpu.copies} CPU tasks on worker threads: ${most} ran at once on ${laneCount(threads.spans)} lanes; ${x(speedup.median)} faster than one after another (${coresText(cores)})`,
    verdictOf(check),
    cores >= 2
      ? holds
        ? `with ${coresText(cores)} the copies really ran at the same time`
        : check === "unclear"
          ? `the speedup stayed below ${x(PARALLEL_SHARE * expected)} within the noise of this run: rerun it on a quieter machine`
          : shortfallReason(cpu, expected)
      : holds
        ? "with one core the threads took turns: no speedup, exactly as the claim says"
        : "one core should give no speedup; the timing was disturbed",
  );
}

/**
 * 01: concurrency keeps a program responsive while it waits. The timer stays on time while the
 * main thread awaits (concurrency on one thread) and while CPU work runs on a worker; it
 * stalls only while CPU work holds the main thread.
 */
export function responsiveness(waitingOnMain: LoopLagResult<unknown>, cpuOnMain: LoopLagResult<unknown>, cpuOnWorker: LoopLagResult<unknown>): Claim {
  const free = Math.max(waitingOnMain.maxLateMs, cpuOnWorker.maxLateMs);
  const holds = free * 4 < cpuOnMain.maxLateMs;
  return claim(
    "concepts.responsiveness",
    "01-core-concepts",
    "Concurrency keeps a program responsive: the UI (here, a timer) keeps running while the program waits.",
    `a 10 ms timer was up to ${ms(waitingOnMain.maxLateMs)} late while the main thread awaited, ${ms(cpuOnMain.maxLateMs)} while CPU work ran on it, ${ms(cpuOnWorker.maxLateMs)} while that work ran on a worker`,
    holds ? "holds" : "differs",
    holds
      ? "awaiting leaves the one thread free to serve the timer; only CPU work on that thread froze it, and a worker thread takes that off it"
      : "the timer was late even while the main thread was free: the machine was too busy to tell",
  );
}

const GIL_THREADS_CLAIM =
  "In CPython one lock, the GIL, admits a single thread at a time to the interpreter's bytecode, so threads do not speed up CPU work written in Python.";
const GIL_PROCESSES_CLAIM = "Each process has its own interpreter and its own GIL, so processes run CPU-bound Python in parallel.";

/** 02: CPython threads give no speedup to CPU-bound work (the GIL); processes do. */
export function gilThreads(python: CompareResult): Claim {
  const threads = strategy(python, "python:threads");
  const speedup = threads.speedup!;
  const noise = tolerance(speedup, strategy(python, "python:sequential").wallMs);
  const check = noSpeedupShown(onBusy(atMost(speedup, 1.2, noise), python), python);
  return speedupClaim(
    python.environment,
    "gil.threads",
    "02-the-gil",
    GIL_THREADS_CLAIM,
    `CPython, ${python.copies} copies of a counting loop on threads: ${x(speedup.median)} (range ${x(speedup.min)}–${x(speedup.max)}) of sequential speed${busyText(python, "python:threads")}`,
    verdictOf(check),
    check === "yes"
      ? "the threads took turns holding the GIL"
      : check === "unclear"
        ? "processes did not speed up in this run either, so the cores were not free: no speedup proves nothing; rerun it"
        : threadsSpedUpReason(),
  );
}

export function gilProcesses(python: CompareResult): Claim {
  const { check, speedup, cores, expected } = parallelSpeedup(python, "python:processes");
  return speedupClaim(
    python.environment,
    "gil.processes",
    "02-the-gil",
    GIL_PROCESSES_CLAIM,
    `CPython processes: ${x(speedup.median)} faster than sequential with ${python.copies} copies on ${coresText(cores)}${busyText(python, "python:processes")}`,
    verdictOf(check),
    check === "yes"
      ? "every process ran its own interpreter on its own core"
      : check === "unclear"
        ? "just below the expected speedup within this run's noise: rerun it"
        : shortfallReason(python, expected),
  );
}

/** 02: in Node, worker threads do run JavaScript in parallel (no GIL). */
export function nodeThreadsParallel(node: CompareResult): Claim {
  const measured = parallelSpeedup(node, "threads");
  const { speedup, cores } = measured;
  const check = measured.check;
  return speedupClaim(
    node.environment,
    "gil.node-threads",
    "02-the-gil",
    "Threads cannot speed up CPU-bound work (the article's rule for CPython threads).",
    `Node worker threads: ${x(speedup.median)} faster than sequential with ${node.copies} copies on ${coresText(cores)}${busyText(node, "threads")}`,
    check === "yes" ? "differs in Node by design" : check === "unclear" ? "unclear (noisy run)" : "differs",
    check === "yes"
      ? "Node has no GIL: each worker thread has its own V8 isolate and event loop, so JavaScript runs in parallel"
      : check === "unclear"
        ? "worker threads fell short of a clear parallel speedup within this run's noise: rerun it"
        : `worker threads should have run in parallel here: ${shortfallReason(node, measured.expected)}`,
  );
}

/** 03: threads are cheaper to start and to keep than processes; async tasks cheaper still. */
export function startupCosts(startups: readonly StartupSamples[]): Claim {
  const med = (kind: string): number => median(startups.find((s) => s.strategy === kind)?.samplesMs ?? [Number.NaN]);
  const [a, t, p] = [med("async"), med("threads"), med("processes")];
  const holds = a < t && t < p;
  return claim(
    "approaches.startup",
    "03-approaches",
    "Creating threads is faster than creating processes (processes are heavyweight); coroutines cost almost nothing.",
    `median start-up: async task ${ms(a)}, worker thread ${ms(t)}, child process ${ms(p)}`,
    holds ? "holds" : "differs",
    holds ? `a process started ${x(p / t)} slower than a thread here` : "the order was not async < thread < process in this run",
  );
}

export function memoryCosts(measures: readonly MemoryPerUnit[]): Claim {
  const unit = (kind: string): MemoryPerUnit | undefined => measures.find((m) => m.strategy === kind);
  const per = (kind: string): number => unit(kind)?.bytesPerUnit ?? Number.NaN;
  const meter = (kind: string): string => unit(kind)?.metric ?? "not measured";
  const [a, t, p] = [per("async"), per("threads"), per("processes")];
  const ordered = a * 100 < t && t < p;
  // The article prices threads low because they share their process's memory; Node's workers share
  // no objects, so the order can hold while the reason for it does not: by design, not by noise.
  return claim(
    "approaches.memory",
    "03-approaches",
    "Memory: threads share their process's memory and cost little, processes are separate and cost much, async tasks cost least.",
    `per unit: async task ${bytes(a)} (${meter("async")}), worker thread ${bytes(t)} (${meter("threads")}), child process ${bytes(p)} (${meter("processes")}); ` +
      "each read with the meter that fits it, so compare the order and the magnitudes, not exact ratios",
    ordered ? "differs in Node by design" : "differs",
    ordered
      ? `the costs keep the article's order (an async task about 1/${Math.round(t / a)} of a worker thread, a thread ${x(p / t)} less than a process), ` +
          "but not for its reason: a Node worker thread shares no objects with the main thread and carries its own V8 isolate and heap, so it costs megabytes where a plain OS thread costs little more than its stack"
      : "the measured order differs from the claim's in this run",
  );
}

/** 03: cooperative switching: a task that never awaits starves its siblings on the event loop. */
export function cooperativeSwitching(starved: LoopLagResult<unknown>, fair: LoopLagResult<unknown>): Claim {
  const holds = starved.maxLateMs > 4 * Math.max(fair.maxLateMs, 1);
  return claim(
    "approaches.cooperative",
    "03-approaches",
    "Async switching is cooperative: the code decides when to yield, so a task that never awaits holds up every other task.",
    `siblings' 10 ms timer: up to ${ms(starved.maxLateMs)} late beside a CPU loop in an async function, up to ${ms(fair.maxLateMs)} beside the same loop on a worker thread`,
    holds ? "holds" : "differs",
    holds
      ? "nothing preempted the async function: its siblings waited until it finished. On a worker thread the work left the main thread free (preemption itself is the next claim)"
      : "the starvation did not show in this run",
  );
}

/** The GIL claims when no CPython is available: said plainly, never guessed. */
export function gilNotMeasured(why: string): Claim[] {
  return [
    claim("gil.threads", "02-the-gil", GIL_THREADS_CLAIM, "no CPython run", "not measured", why),
    claim("gil.processes", "02-the-gil", GIL_PROCESSES_CLAIM, "no CPython run", "not measured", why),
  ];
}

/** 03: the OS preempts threads (all copies progress at once even beyond the core count); the event loop does not. */
export function preemptiveThreads(result: CompareResult): Claim {
  const threadsMost = Math.min(...byRepeat(strategy(result, "threads").spans).map(maxConcurrency));
  const loopMost = Math.max(...byRepeat(strategy(result, "eventLoop").spans).map(maxConcurrency));
  const cores = result.environment.cores;
  const holds = threadsMost === result.copies && loopMost === 1;
  // With a core per copy, overlapping threads show parallelism, not the OS taking turns.
  const shown = result.copies > cores;
  return claim(
    "approaches.preemptive",
    "03-approaches",
    "Threads are switched preemptively: the OS decides, so every thread makes progress even when there are more threads than cores.",
    `${result.copies} CPU copies on ${coresText(cores)}: on threads ${threadsMost} ran at once; on the event loop at most ${loopMost} ran at once`,
    shown ? (holds ? "holds" : "differs") : "not measured",
    !shown
      ? `each copy had a core of its own, so overlap shows parallelism, not preemption; it takes more copies than cores (${coresText(cores)})`
      : holds
        ? "the OS time-sliced the cores between all the threads; the event loop ran each copy to its end before the next"
        : "the overlap pattern differs from the claim in this run",
  );
}

/** 04: asyncio (and Node's event loop) is bound to one thread: CPU work started together gains nothing. */
export function asyncBoundToOneThread(eventLoopSpeedup: Stat): Claim {
  // One thread cannot run two CPU tasks at once: a clear "faster" can only be a disturbed baseline.
  const measuredCheck = atMost(eventLoopSpeedup, 1.1, tolerance(eventLoopSpeedup));
  const check: Check = measuredCheck === "no" ? "unclear" : measuredCheck;
  return claim(
    "proscons.async-one-thread",
    "04-pros-and-cons",
    "Async code runs on a single thread: it is bound to one core like GIL-bound threads.",
    `CPU tasks started together on the event loop ran ${x(eventLoopSpeedup.median)} the speed of one after another`,
    verdictOf(check),
    check === "yes" ? "one thread, one core: starting tasks together does not make CPU work faster" : "the event loop cannot run two CPU tasks at once; a ratio this far from 1.00x means the run was disturbed",
  );
}

/** 04: the article's "threads are best for generic I/O"; in Node, I/O is async by default and threads are for CPU. */
export function threadsBestFor(threadsSpeedup: Stat, cores: number): Claim {
  const check = atLeast(threadsSpeedup, 1.5, tolerance(threadsSpeedup));
  return speedupClaim(
    cores,
    "proscons.threads-best-for",
    "04-pros-and-cons",
    "Threads are best for generic I/O; CPU-bound work needs processes.",
    `Node worker threads sped CPU work up ${x(threadsSpeedup.median)} on ${coresText(cores)}; Node's I/O calls are asynchronous, so waiting needs no thread of the program's own`,
    check === "yes" ? "differs in Node by design" : check === "unclear" ? "unclear (noisy run)" : "differs",
    check === "yes"
      ? "without a GIL, worker threads are Node's tool for CPU-bound JavaScript; waiting is done with async I/O on the event loop"
      : "worker threads did not show their parallel speedup in this run",
  );
}

/** 05 B: the article's CPU-bound comparison, for whichever runtimes were measured. */
export function cpuExamples(node: CompareResult, python: CompareResult | null): Claim[] {
  const machine = node.environment;
  const cores = machine.cores;
  const parallel = (key: "threads" | "processes"): Check => parallelSpeedup(node, key).check;
  const claims: Claim[] = [];
  if (python) {
    const threads = strategy(python, "python:threads").speedup!;
    const processes = strategy(python, "python:processes").speedup!;
    const pySeq = strategy(python, "python:sequential").wallMs;
    const noSpeedup = noSpeedupShown(onBusy(atMost(threads, 1.2, tolerance(threads, pySeq)), python), python);
    claims.push(
      speedupClaim(machine, "examples.cpu-python-threads", "05-code-examples", "Threaded CPU work takes as long as sequential, or slightly longer: no speedup, because of the GIL.",
        `CPython threads: ${x(threads.median)} of sequential speed`, verdictOf(noSpeedup),
        noSpeedup === "yes"
          ? "the GIL serialised the two threads, while processes in the same run did speed up"
          : noSpeedup === "unclear"
            ? "processes did not speed up in this run either, so the cores were not free: inconclusive"
            : threadsSpedUpReason()),
    );
    const speedup = parallelSpeedup(python, "python:processes").check;
    claims.push(
      speedupClaim(machine, "examples.cpu-python-processes", "05-code-examples", "Multiprocessing gives a true 2x speedup on a multi-core machine.",
        `CPython processes: ${x(processes.median)} faster with ${python.copies} copies on ${coresText(cores)}`, verdictOf(speedup),
        speedup === "yes" ? "separate interpreters, each with its own GIL, on separate cores" : "below the expected speedup in this run"),
    );
  }
  const threads = parallel("threads");
  claims.push(
    speedupClaim(machine, "examples.cpu-node-threads", "05-code-examples", "Threads give CPU-bound work no speedup.",
      `Node worker threads: ${x(strategy(node, "threads").speedup!.median)} faster with ${node.copies} copies on ${coresText(cores)}`,
      threads === "yes" ? "differs in Node by design" : verdictOf(threads === "unclear" ? "unclear" : "no"),
      threads === "yes" ? "worker threads have no GIL: the copies ran in parallel" : "worker threads did not show their speedup in this run"),
  );
  const processes = parallel("processes");
  claims.push(
    speedupClaim(machine, "examples.cpu-node-processes", "05-code-examples", "Processes give CPU-bound work a true speedup on several cores.",
      `Node child processes: ${x(strategy(node, "processes").speedup!.median)} faster with ${node.copies} copies on ${coresText(cores)}`,
      verdictOf(processes), processes === "yes" ? "separate processes ran on separate cores" : "below the expected speedup in this run"),
  );
  return claims;
}

/** 05 C: blocking waits overlap on threads (and in CPython threads); they serialise on the event loop. */
export function ioExamples(blocking: CompareResult, pythonSleep: CompareResult | null): Claim[] {
  const copies = blocking.copies;
  const threads = strategy(blocking, "threads").speedup!;
  const loop = strategy(blocking, "eventLoop").speedup!;
  const overlap = atLeast(threads, 0.8 * copies, tolerance(threads));
  const serial = atMost(loop, 1.1, tolerance(loop));
  const claims: Claim[] = [
    claim("examples.io-threads", "05-code-examples", "Threads make waiting tasks overlap: two waits take about as long as one.",
      `${copies} blocking waits: ${x(threads.median)} faster on worker threads than one after another`, verdictOf(overlap),
      overlap === "yes" ? "a thread blocked in a wait leaves the others free" : "the waits did not overlap as expected"),
    claim("examples.io-blocking-loop", "05-code-examples", "A blocking call stalls an event loop (time.sleep inside asyncio).",
      `the same blocking waits started together on the event loop: ${x(loop.median)} of sequential speed`, verdictOf(serial),
      serial === "yes" ? "a blocked thread runs nothing else, however the tasks were started" : "unexpected: blocking waits should not overlap on one thread"),
  ];
  if (pythonSleep) {
    const py = strategy(pythonSleep, "python:threads").speedup!;
    const check = atLeast(py, 0.8 * pythonSleep.copies, tolerance(py));
    claims.push(
      claim("examples.io-python-threads", "05-code-examples", "In CPython, a thread that waits releases the GIL, so threaded I/O overlaps.",
        `CPython: ${pythonSleep.copies} × time.sleep on threads ran ${x(py.median)} faster than in sequence`, verdictOf(check),
        check === "yes" ? "time.sleep released the GIL while it waited" : "the waits did not overlap as expected"),
    );
  }
  return claims;
}

/** 05 D: many awaits on one thread take about the time of one. */
export function asyncExamples(points: readonly { copies: number; wallMs: number }[], waitMs: number): Claim {
  const most = points.reduce((best, p) => (p.copies > best.copies ? p : best));
  const holds = most.wallMs < 1.5 * waitMs + 50;
  return claim("examples.async-many", "05-code-examples", "Async/await runs many waiting tasks concurrently on one thread, as fast as threads would.",
    `${most.copies.toLocaleString("en-US")} concurrent ${waitMs} ms waits on one thread took ${ms(most.wallMs)} in all`,
    holds ? "holds" : "differs",
    holds ? "the event loop slept once for all of them" : "the waits took longer than one wait plus overhead");
}

/** 06 Q1: CPU-bound work scales with cores on threads and processes. */
export function cpuScales(points: readonly { strategy: string; workers: number; speedup: Stat; busy: boolean }[], cores: number): Claim {
  const top = Math.max(...points.map((p) => p.workers));
  const atTop = points.filter((p) => p.workers === top);
  const checks = atTop.map((p) => {
    const check = top >= 2 ? atLeast(p.speedup, PARALLEL_SHARE * Math.min(top, cores), tolerance(p.speedup)) : atMost(p.speedup, 1.2, tolerance(p.speedup));
    return check === "no" && p.busy ? "unclear" : check;
  });
  const check: Check = checks.includes("no") ? "no" : checks.includes("unclear") ? "unclear" : "yes";
  return speedupClaim(cores, "decision.cpu", "06-decision-matrix", "CPU-heavy work calls for processes: in CPython nothing else puts more than one core to work.",
    atTop.map((p) => `${p.strategy} ${x(p.speedup.median)}`).join(", ") + ` with ${top} ${top === 1 ? "copy" : "copies"} on ${coresText(cores)}`,
    top < 2 ? "not measured" : check === "yes" ? "differs in Node by design" : verdictOf(check),
    top < 2
      ? "one copy: nothing to spread over cores"
      : check === "yes"
        ? "in Node both worker threads and child processes scale CPU work with cores; threads start faster and use less memory"
        : "the curve fell short of the cores in this run");
}

/** 06 Q2: moderate waiting: threads and async both overlap the waits. */
export function moderateWaiting(result: CompareResult): Claim {
  const asyncUp = strategy(result, "async").speedup!;
  const threadsUp = strategy(result, "threads").speedup!;
  const want = 0.6 * result.copies;
  const check: Check = [atLeast(asyncUp, want, tolerance(asyncUp)), atLeast(threadsUp, want, tolerance(threadsUp))].reduce<Check>(
    (all, c) => (all === "no" || c === "no" ? "no" : all === "unclear" || c === "unclear" ? "unclear" : "yes"), "yes");
  return claim("decision.moderate-waiting", "06-decision-matrix", "Waiting under moderate load? Threads are the easy choice.",
    `${result.copies} requests to a slow server: async ${x(asyncUp.median)}, worker threads ${x(threadsUp.median)} faster than one at a time`,
    check === "yes" ? "differs in Node by design" : verdictOf(check),
    check === "yes"
      ? "both overlapped the waits, but Node's I/O calls are asynchronous: awaiting them together needs no threads, so async is Node's easy choice"
      : "the waits did not overlap as expected");
}

/** 06 Q2: massive waiting: one thread holds thousands of connections, cheaper than a pool of threads. */
export function massiveWaiting(asyncRun: { requests: number; failed: number; wallMs: number; addedBytes: number }, pool: { threads: number; requests: number; failed: number; wallMs: number; addedBytes: number }): Claim {
  const holds = asyncRun.failed === 0 && asyncRun.wallMs < pool.wallMs && asyncRun.addedBytes < pool.addedBytes;
  return claim("decision.massive-waiting", "06-decision-matrix", "Waiting on 1000+ connections? Use async: one thread holds them all, with far less memory than threads.",
    `${asyncRun.requests.toLocaleString("en-US")} connections at once on one thread: ${ms(asyncRun.wallMs)}, +${bytes(asyncRun.addedBytes)}, ${asyncRun.failed} failed; ` +
      `${pool.threads} threads serving the same ${pool.requests.toLocaleString("en-US")} one at a time: ${ms(pool.wallMs)}, +${bytes(pool.addedBytes)}`,
    holds ? "holds" : "differs",
    holds
      ? `the event loop waited on every socket at once; the pool, capped at ${pool.threads} threads on purpose as real pools are, could only wait on ${pool.threads} at a time, and its threads cost more memory than all the sockets`
      : "async did not beat the thread pool on both time and memory in this run");
}

/** 06 Q3: shared state on threads needs atomics or a lock; async races only at awaits; processes share by messages. */
export function sharedState(lost: { plain: number; atomic: number; locked: number; expected: number }, eventLoop: { withAwait: number; withoutAwait: number; expected: number }, messages: { sum: number; expected: number }, cores: number): Claim[] {
  const threadsCheck: Check = lost.atomic !== 0 || lost.locked !== 0 ? "no" : lost.plain > 0 ? "yes" : "unclear";
  return [
    claim("decision.shared-threads", "06-decision-matrix", "Threads share memory easily, but shared updates need locking.",
      `2 worker threads × ${lost.expected / 2} increments of one SharedArrayBuffer: ${lost.plain.toLocaleString("en-US")} lost without atomics, ${lost.atomic} with Atomics.add, ${lost.locked} with a lock`,
      verdictOf(threadsCheck),
      threadsCheck === "yes"
        ? "unsynchronised read-modify-write lost updates; atomics and the lock lost none. Node's worker threads share only such buffers: objects sent between them are copied"
        : lost.plain === 0
          ? `no update was lost this time: races depend on timing${cores < 2 ? ", and on one core the threads rarely interleave mid-update" : ""}`
          : "atomics or the lock lost updates: a bug"),
    claim("decision.shared-async", "06-decision-matrix", "With no preemption, async code leaves less room for races, provided nothing blocks the loop.",
      `100 deposits: ${eventLoop.withoutAwait}/${eventLoop.expected} kept when read and write are not split by an await, ${eventLoop.withAwait}/${eventLoop.expected} when they are`,
      eventLoop.withoutAwait === eventLoop.expected && eventLoop.withAwait < eventLoop.expected ? "holds" : "differs",
      "on one thread a task is never interrupted between two awaits, so races can only happen across an await"),
    claim("decision.shared-processes", "06-decision-matrix", "Processes share nothing unless asked: they talk through messages (IPC), which isolates them best.",
      `2 processes counted their halves and sent the results back: ${messages.sum.toLocaleString("en-US")} of ${messages.expected.toLocaleString("en-US")}`,
      messages.sum === messages.expected ? "holds" : "differs",
      "a demonstration rather than a test: no memory was shared, so there was nothing to race on"),
  ];
}
