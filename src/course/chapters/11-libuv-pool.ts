/**
 * Chapter 11, libuv's thread pool: the threads behind Node's "async" crypto, fs and dns.lookup
 * calls. Eight pbkdf2 calls with UV_THREADPOOL_SIZE=4 and =8 (each in a child process, since libuv
 * reads the variable once); fs and dns calls with the pool idle and with every pool thread
 * hashing; dns.lookup (getaddrinfo, on the pool) against resolve4 (c-ares, on the event loop)
 * asking a DNS server this chapter starts on 127.0.0.1. Its claims, experiments at full and short
 * size, captions, question and exercise check.
 */
import { readFileSync } from "node:fs";
import { describeMachine } from "../../environment";
import { pythonScript, runPythonMeasurement } from "../../experiment/python-script";
import { findPython, type PythonInterpreter } from "../../python";
import { hashBatches, pbkdf2Iterations, poolProbes, POOL_SIZE, type HashBatches, type PoolProbes, type ProbeKind, type ProbeRound } from "../../experiment/libuv-pool";
import { PROBE_LABELS, probeLatencies } from "../../figures/libuv-pool";
import { median, summarize, type Stat } from "../../measure/stats";
import { startLoopbackDns } from "../../tasks/loopback-dns";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, observedStat, thresholdRule, verdictOf, type Check, type Claim } from "../claims";
import type { ExerciseResult } from "../exercise-kit";
import { claim, coresText, ms, notMeasuredInCPython } from "../judging";
import type { Question } from "../questions";

export { pbkdf2Iterations, hashBatches, poolProbes, type HashBatches, type PoolProbes, type ProbeKind, type ProbeRound } from "../../experiment/libuv-pool";
export { startLoopbackDns, type LoopbackDns } from "../../tasks/loopback-dns";
export { poolTimelineFigure, probeLatencyFigure } from "../../figures/libuv-pool";

const SECTION = "11-libuv-pool";

/** The pool sizes compared, and how many pbkdf2 calls each batch starts together: two rounds' worth for the smaller pool, one for the larger. */
export const ROUNDS = { sizes: [4, 8], calls: 8 } as const;

/**
 * Where the call that finishes `k`-th lands, as a share of the batch's time (when its last call
 * finished). With 8 calls on a pool of 4 the 4th finishes about half-way (two rounds); on a pool
 * of 8 all finish together, so the 4th lands near the end. The same on any number of cores:
 * cores change how long a round takes, not how many calls a round holds.
 */
export const ROUND_SHARE = 0.8;

/**
 * A probe waited for a pool thread when it ended no sooner than about when the first hash ended:
 * its latency as a share of the time from its start to that first hash's end is at least this.
 * A call that needs no pool thread ends within milliseconds, a small share of a hash.
 */
export const WAIT_SHARE = 0.5;

/**
 * A call that ended within this share of the time until the first hash ended clearly did not wait,
 * and counts as this share: how much sooner it ended (0.1 % or 1 %) is scheduling noise, and on
 * the log scale of the intervals such noise would otherwise widen them past any threshold.
 */
export const SHORTEST_SHARE = 0.02;

/** When the `k`-th call of a batch finished, as a share of the batch's time. */
export function finishShare(batch: readonly number[], k: number): number {
  const sorted = [...batch].sort((a, b) => a - b);
  if (k < 1 || k > sorted.length) throw new RangeError(`k must be from 1 to the batch's ${sorted.length} calls, got ${k}`);
  return Math.max(sorted[k - 1]! / sorted[sorted.length - 1]!, 1e-6);
}

/** Over a run's batches: when the `k`-th call finished, as a share of its batch's time. */
export function finishShares(run: HashBatches, k: number): Stat {
  if (run.batches.length === 0) throw new RangeError(`run.batches must hold at least one batch of UV_THREADPOOL_SIZE=${run.poolSize}; measure with roundsRun()`);
  return summarize(run.batches.map((b) => finishShare(b, k)));
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;
const pctFormat = (share: number): string => (Number.isFinite(share) ? pct(share) : "∞");

/** Both checks must say yes for a yes; one clear no is a no; anything else is unclear. */
function both(checks: readonly Check[]): Check {
  return checks.every((c) => c === "yes") ? "yes" : checks.some((c) => c === "no") ? "no" : "unclear";
}

/**
 * 11: the pool runs at most UV_THREADPOOL_SIZE calls at once. `small`: batches of 8 calls on 4
 * threads, `large`: on 8. Holds when, on 4 threads, the 4th call finished clearly before
 * ROUND_SHARE of the batch's time (two rounds) and, on 8, clearly after (one round).
 */
export function roundsClaim(small: HashBatches, large: HashBatches): Claim {
  const k = small.poolSize;
  if (small.calls !== 2 * k || large.poolSize < large.calls || large.calls !== small.calls) {
    throw new RangeError(`roundsClaim needs batches of twice the small pool's calls on both pools, and a large pool that holds them all; got ${small.calls} calls on ${k} threads and ${large.calls} on ${large.poolSize}; use roundsRun()`);
  }
  const four = finishShares(small, k);
  const eight = finishShares(large, k);
  const first = finishShares(small, 1);
  const twoRounds = atMost(four, ROUND_SHARE);
  const oneRound = atLeast(eight, ROUND_SHARE);
  const check = both([twoRounds, oneRound]);
  const firstInterval = observedStat(first);
  return claim({
    id: "pool.rounds",
    section: SECTION,
    claim: `Node's "async" calls share a pool of UV_THREADPOOL_SIZE threads: ${small.calls} pbkdf2 calls finish in two rounds on ${k} threads and in one round on ${large.poolSize}.`,
    measured: `${small.calls} pbkdf2 calls started together: the ${k}th finished at ${pct(four.median)} of the batch's time on ${k} threads, at ${pct(eight.median)} on ${large.poolSize} (medians of ${small.batches.length} and ${large.batches.length} batches)`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `on ${k} threads only ${k} calls ran at once and the rest waited for a free thread; on ${large.poolSize} all ran at once`
        : check === "no"
          ? twoRounds === "no"
            ? `on ${k} threads the ${k}th call finished near the end with the rest: the calls did not wait for a thread`
            : `on ${large.poolSize} threads the calls still finished in rounds: not all of them ran at once`
          : "this run did not decide how the calls finished: the batches disagreed",
    rule: `${thresholdRule(`when the ${k}th call finished on ${k} threads, as a share of the batch`, four, "at most", ROUND_SHARE, pctFormat)}; ${thresholdRule(`the same on ${large.poolSize} threads`, eight, "at least", ROUND_SHARE, pctFormat)}; holds if both say yes, differs if either says no`,
    observed: observedStat(four, { firstMedian: first.median, firstLow: firstInterval.low!, firstHigh: firstInterval.high!, poolSize: k, calls: small.calls }),
  });
}

/** Of a busy round: how long `kind` took, as a share of the time from its start to the first hash's end; null where it failed or no hash was still running. */
export function waitShare(round: ProbeRound, kind: ProbeKind): number | null {
  const end = round.probeEndsMs[kind];
  const firstHash = round.hashEndsMs.find((t) => t > round.probeStartMs);
  if (end === undefined || firstHash === undefined) return null;
  return Math.max((end - round.probeStartMs) / (firstHash - round.probeStartMs), SHORTEST_SHARE);
}

/** waitShare over the busy rounds that give one; null where none does. */
export function waitShares(probes: PoolProbes, kind: ProbeKind): Stat | null {
  const shares = probes.rounds.filter((r) => r.busy).map((r) => waitShare(r, kind)).filter((s): s is number => s !== null);
  return shares.length === 0 ? null : summarize(shares);
}

/** Why `kind` has no share: its error, or no hash still running when it started. */
function noShareReason(probes: PoolProbes, kind: ProbeKind): string {
  const error = probes.rounds.map((r) => r.errors[kind]).find((e) => e !== undefined);
  return error ? `${PROBE_LABELS[kind]} failed: ${error}` : `no hash was still running when ${PROBE_LABELS[kind]} started: the hashes were too short for this machine`;
}

const waitedRule = (kind: ProbeKind, stat: Stat, direction: "at least" | "at most"): string =>
  thresholdRule(`${PROBE_LABELS[kind]}'s time with every pool thread hashing, as a share of the time until the first hash ended`, stat, direction, WAIT_SHARE, pctFormat);

const busyText = (probes: PoolProbes, kind: ProbeKind): string => {
  const busy = probeLatencies(probes, kind, true);
  const idle = probeLatencies(probes, kind, false);
  return `${PROBE_LABELS[kind]} took ${busy.length ? ms(median(busy)) : "–"} with ${probes.busyHashes} hashes on the ${probes.poolSize} pool threads, ${idle.length ? ms(median(idle)) : "–"} with the pool idle`;
};

/**
 * 11: fs's promise calls take a pool thread. Holds when, with every pool thread hashing,
 * fs.promises.stat and readFile both lasted until about the first hash ended (at least
 * WAIT_SHARE of that time); differs when either clearly ended sooner.
 */
export function fsClaim(probes: PoolProbes): Claim {
  const parts = { id: "pool.fs-waits", section: SECTION, claim: "fs's asynchronous calls run on the same pool: while every pool thread is busy, fs.promises.stat and readFile wait for one." };
  const kinds: ProbeKind[] = ["stat", "readFile"];
  const stats = kinds.map((kind) => waitShares(probes, kind));
  const missing = kinds.find((_, i) => stats[i] === null);
  const measured = `${kinds.map((kind) => busyText(probes, kind)).join("; ")}${probes.kinds.includes("statSync") ? `; ${busyText(probes, "statSync")} (on the calling thread)` : ""}`;
  if (missing) return claim({ ...parts, measured, verdict: "unclear", reason: noShareReason(probes, missing), rule: `needs ${PROBE_LABELS[missing]} measured while hashes were running` });
  const checks = stats.map((s) => atLeast(s!, WAIT_SHARE));
  const check = both(checks);
  return claim({
    ...parts,
    measured,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "each waited until a hash gave its thread back: fs's promise calls are queued on the pool like crypto's"
        : check === "no"
          ? `${PROBE_LABELS[kinds[checks.indexOf("no")]!]} ended long before any hash did: it did not wait for a pool thread`
          : "this run did not decide whether the fs calls waited for a pool thread",
    rule: `${stats.map((s, i) => waitedRule(kinds[i]!, s!, "at least")).join("; ")}; holds if both say yes, differs if either says no`,
  });
}

/** 11: dns.lookup runs getaddrinfo on the pool, so with every pool thread busy it waits for one. */
export function lookupClaim(probes: PoolProbes): Claim {
  const parts = { id: "pool.dns-lookup", section: SECTION, claim: "dns.lookup runs the system's getaddrinfo on the pool: while every pool thread is busy, looking up even localhost waits." };
  if (!probes.kinds.includes("lookup")) {
    return claim({ ...parts, measured: "no lookup run", verdict: "not measured", reason: "this system's hosts file does not name localhost, so getaddrinfo could have asked a name server off this machine", rule: "needs localhost in /etc/hosts (localhostInHosts)" });
  }
  const measured = busyText(probes, "lookup");
  const stat = waitShares(probes, "lookup");
  if (!stat) return claim({ ...parts, measured, verdict: "unclear", reason: noShareReason(probes, "lookup"), rule: "needs dns.lookup measured while hashes were running" });
  const check = atLeast(stat, WAIT_SHARE);
  return claim({
    ...parts,
    measured,
    verdict: verdictOf(check),
    reason: check === "yes" ? "the lookup waited until a hash gave its thread back" : check === "no" ? "the lookup ended long before any hash did: it did not wait for a pool thread" : "this run did not decide whether the lookup waited for a pool thread",
    rule: waitedRule("lookup", stat, "at least"),
  });
}

/**
 * 11: resolve4 asks a DNS server through c-ares on the event loop: no pool thread, so a busy pool
 * does not hold it up. Not measured where the loopback DNS server could not start (`dnsError`).
 */
export function resolveClaim(probes: PoolProbes, dnsError: string | null): Claim {
  const parts = { id: "pool.dns-resolve", section: SECTION, claim: "dns.Resolver's resolve4 sends its question from the event loop (c-ares), not the pool: a busy pool does not hold it up." };
  if (dnsError !== null || !probes.kinds.includes("resolve4")) {
    return claim({ ...parts, measured: "no resolve4 run", verdict: "not measured", reason: `the DNS server on 127.0.0.1 could not be started (${dnsError ?? "not asked for"}), and no question may leave this machine`, rule: "needs the loopback DNS server (startLoopbackDns)" });
  }
  const measured = busyText(probes, "resolve4");
  const stat = waitShares(probes, "resolve4");
  if (!stat) return claim({ ...parts, measured, verdict: "unclear", reason: noShareReason(probes, "resolve4"), rule: "needs resolve4 measured while hashes were running" });
  const check = atMost(stat, WAIT_SHARE);
  return claim({
    ...parts,
    measured,
    verdict: verdictOf(check),
    reason: check === "yes" ? "its answer came back while every pool thread was still hashing" : check === "no" ? "it ended only when a hash did, as if it had waited for a pool thread" : "this run did not decide whether resolve4 waited",
    rule: waitedRule("resolve4", stat, "at most"),
  });
}

/** The sentence under the timeline: when the rounds ended, per pool size, and what the machine's cores did to the total. */
export function roundsCaption(runs: readonly HashBatches[], cores: number): string {
  if (runs.length < 2) return "";
  const [small, large] = runs as [HashBatches, HashBatches];
  const k = small.poolSize;
  const total = (run: HashBatches): number => median(run.batches.map((b) => Math.max(...b)));
  const [t4, t8] = [total(small), total(large)];
  const ratio = t8 / t4;
  const line = (run: HashBatches): string => `on ${run.poolSize} threads the ${k}th call finished at ${pct(finishShares(run, k).median)} of the batch and the batch took ${ms(total(run))}`;
  const cpus = coresText(cores);
  // CPU-bound calls: threads beyond the cores take turns, so the larger pool can at best take this share of the smaller one's time.
  const best = Math.min(k, cores) / Math.min(large.poolSize, cores);
  const turns =
    ratio < 0.9 * best
      ? ": sooner than more threads alone can make CPU-bound calls finish, so the load on this machine changed between the two runs"
      : cores <= k && ratio <= 1.25
        ? `: ${k} threads already gave each core a call, so ${large.poolSize} let more calls start at once, not finish sooner`
        : "";
  const effect = `With ${cpus} usable, ${large.poolSize} threads can at best finish these CPU-bound calls in ${best.toFixed(2)}x the time ${k} threads take (threads beyond the cores take turns on them); here they took ${ratio.toFixed(2)}x${turns}`;
  return `Medians of ${small.batches.length} batches: ${line(small)}; ${line(large)}. ${effect}.`;
}

/** The sentence under the latency figure: which calls waited for a pool thread while every one was hashing, and which did not. */
export function probesCaption(probes: PoolProbes, dns: { answered: number; error: string | null }): string {
  const waited: string[] = [];
  const free: string[] = [];
  for (const kind of probes.kinds) {
    const stat = waitShares(probes, kind);
    const busy = probeLatencies(probes, kind, true);
    const idle = probeLatencies(probes, kind, false);
    if (!stat || busy.length === 0) continue;
    const text = `${PROBE_LABELS[kind]} (${ms(median(busy))} busy, ${ms(median(idle))} idle)`;
    (stat.median >= WAIT_SHARE ? waited : free).push(text);
  }
  const list = (items: string[]): string => (items.length === 0 ? "none" : items.join(", "));
  const server = dns.error ? ` The DNS server could not start on 127.0.0.1 (${dns.error}), so resolve4 was not measured.` : ` The DNS server on 127.0.0.1 answered ${dns.answered} questions; none left the machine.`;
  return `With ${probes.busyHashes} hashes on the ${probes.poolSize} pool threads, these lasted until a hash ended: ${list(waited)}. These did not wait: ${list(free)}.${server}`;
}

/** How the experiments run: hash duration on one thread, batches (growing until decided, up to a maximum) and probe rounds. */
const SIZES = {
  full: { targetMs: 120, batches: 5, maxBatches: 9, probeRounds: 5 },
  short: { targetMs: 60, batches: 4, maxBatches: 8, probeRounds: 5 },
} as const;

/**
 * Batches of 8 pbkdf2 calls started together, in a child with UV_THREADPOOL_SIZE=4 and one with
 * 8 (each call about 120 ms alone; 60 short): more batches, two at a time, until pool.rounds
 * decides or the maximum is reached. Returns [4 threads, 8 threads].
 */
export async function roundsRun(size: Size = "full"): Promise<HashBatches[]> {
  const { targetMs, batches, maxBatches } = SIZES[size];
  const iterations = pbkdf2Iterations(targetMs);
  const [small, large] = ROUNDS.sizes;
  const once = (poolSize: number, repeats: number): Promise<HashBatches> => hashBatches({ poolSize, calls: ROUNDS.calls, iterations, repeats });
  let runs = [await once(small, batches), await once(large, batches)];
  while (roundsClaim(runs[0]!, runs[1]!).verdict === "unclear" && runs[0]!.batches.length < maxBatches) {
    const more = [await once(small, 2), await once(large, 2)];
    runs = runs.map((run, i) => ({ ...run, batches: [...run.batches, ...more[i]!.batches] }));
  }
  return runs;
}

/**
 * Whether this system answers `localhost` from its hosts file (on Windows, the resolver answers
 * it itself): where it does not, getaddrinfo could ask a name server off this machine, so the
 * lookup is not made.
 */
export function localhostInHosts(hostsFile = "/etc/hosts"): boolean {
  if (process.platform === "win32") return true;
  try {
    return readFileSync(hostsFile, "utf8").split("\n").some((line) => /^\s*127\.0\.0\.1\s.*\blocalhost\b/.test(line.replace(/#.*/, "")));
  } catch {
    return false;
  }
}

/** What probesRun measured: the rounds, and what the loopback DNS server did. */
export interface ProbesResult {
  readonly probes: PoolProbes;
  readonly dns: { readonly answered: number; readonly error: string | null };
}

/**
 * fs.promises.stat and readFile, fs.statSync, dns.lookup("localhost") and resolve4 (asking a
 * DNS server started here on 127.0.0.1, closed after), each round with the pool of 4 idle and
 * then 20 ms after 4 hashes started. Without the DNS server, resolve4 is left out and the
 * reason kept.
 */
export async function probesRun(size: Size = "full"): Promise<ProbesResult> {
  const { targetMs, probeRounds } = SIZES[size];
  const iterations = pbkdf2Iterations(targetMs);
  const poolSize = ROUNDS.sizes[0];
  let server: Awaited<ReturnType<typeof startLoopbackDns>> | null = null;
  let error: string | null = null;
  try {
    server = await startLoopbackDns();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  try {
    const kinds: ProbeKind[] = ["stat", "readFile", "statSync", ...(localhostInHosts() ? (["lookup"] as const) : []), ...(server ? (["resolve4"] as const) : [])];
    const probes = await poolProbes({ poolSize, busyHashes: poolSize, iterations, kinds, repeats: probeRounds, dnsServer: server?.address ?? null });
    return { probes, dns: { answered: server?.answered ?? 0, error } };
  } finally {
    await server?.close();
  }
}

/** What CPython's asyncio default executor did: each run's finishing times (ms) of `calls` sleeps of `ms` started together. */
export interface ExecutorRounds {
  readonly calls: number;
  readonly ms: number;
  /** The size the interpreter's own formula gives its default executor: min(32, CPUs + 4). */
  readonly expectedWorkers: number;
  readonly ends: readonly (readonly number[])[];
  readonly interpreter: PythonInterpreter;
}

/** How many calls of a run finished in its first round: within half a sleep of the first. */
export function firstRound(ends: readonly number[], ms: number): number {
  const first = Math.min(...ends);
  return ends.filter((t) => t < first + ms / 2).length;
}

const EXECUTOR_CLAIM = "CPython's asyncio has a pool too: the blocking calls its loop hands off (getaddrinfo, to_thread) share a default executor of min(32, CPUs + 4) threads.";

/**
 * 11: CPython's asyncio runs blocking calls on a default ThreadPoolExecutor of min(32, CPUs + 4)
 * threads. Holds when in every run exactly that many sleeps finished in the first round; differs
 * when in every run another number did; unclear when the runs disagree. Not measured without
 * CPython.
 */
export function executorClaim(rounds: ExecutorRounds | null): Claim {
  if (!rounds) return notMeasuredInCPython("pool.python-executor", SECTION, EXECUTOR_CLAIM);
  const counts = rounds.ends.map((ends) => firstRound(ends, rounds.ms));
  const expected = rounds.expectedWorkers;
  const all = counts.length > 0 && counts.every((c) => c === expected);
  const none = counts.length > 0 && counts.every((c) => c !== expected) && counts.every((c) => c === counts[0]);
  return claim({
    id: "pool.python-executor",
    section: SECTION,
    claim: EXECUTOR_CLAIM,
    measured: `CPython ${rounds.interpreter.version}: ${rounds.calls} loop.run_in_executor(None, time.sleep, ${rounds.ms / 1000}) started together; ${counts.join(", ")} finished in the first round (${counts.length} runs), where the formula gives ${expected}`,
    verdict: all ? "holds" : none ? "differs" : "unclear",
    reason: all
      ? `the default executor ran ${expected} calls at once and the rest waited for a thread`
      : none
        ? `the default executor ran ${counts[0]} calls at once in every run, not ${expected}`
        : "the runs disagreed on how many calls ran at once",
    rule: `the calls finishing within half a sleep of the first make the first round; holds if in every run they number min(32, CPUs + 4) = ${expected}, differs if every run counts the same other number, else unclear`,
  });
}

/** The line under CPython's executor run, or why it did not run. */
export function executorCaption(rounds: ExecutorRounds | null): string {
  if (!rounds) return "No CPython 3.8+ found: asyncio's executor is not measured here.";
  const counts = rounds.ends.map((ends) => firstRound(ends, rounds.ms));
  const last = rounds.ends.map((ends) => Math.max(...ends));
  return `CPython ${rounds.interpreter.version}: of ${rounds.calls} sleeps of ${rounds.ms} ms handed to the default executor together, ${counts.join(", ")} finished in the first round (${rounds.ends.length} runs) and the last after ${ms(median(last))}; min(32, CPUs + 4) gives ${rounds.expectedWorkers} on this machine.`;
}

/** asyncio's default executor in CPython: twice its expected size of 100 ms sleeps started together, 3 runs (2 short). Null without CPython 3.8+. */
export async function pythonExecutorRun(size: Size = "full"): Promise<ExecutorRounds | null> {
  if (!findPython()) return null;
  const { interpreter, result } = await runPythonMeasurement("CPython asyncio's default executor", { cmd: "executor", ms: 100, runs: size === "full" ? 3 : 2 }, {}, pythonScript("executor_pool.py"));
  return { ...(result as Omit<ExecutorRounds, "interpreter">), interpreter };
}

/** The chapter's claims from its three experiments (`executor` null where no CPython ran). */
export function poolClaims(runs: readonly HashBatches[], probed: ProbesResult, executor: ExecutorRounds | null): Claim[] {
  return [roundsClaim(runs[0]!, runs[1]!), fsClaim(probed.probes), lookupClaim(probed.probes), resolveClaim(probed.probes, probed.dns.error), executorClaim(executor)];
}

/** 11's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const runs = await roundsRun("short");
  const probed = await probesRun("short");
  const executor = await pythonExecutorRun("short");
  return { claims: poolClaims(runs, probed, executor), data: { cores: describeMachine().cores } };
}

/** 11's check: the hashes kept in flight, and the pool sizes it accepts. */
export const READ_CHECK = { hashes: 6, targetMs: 80, rounds: 2, maxPoolSize: 64 } as const;

/**
 * 11's verdict, from the busy rounds' wait shares of the readFile (see waitShare): passes when in
 * every round it ended long before the first hash (below WAIT_SHARE), fails when in every round
 * it lasted until one ended, and cannot tell when the rounds disagree or none measured it.
 */
export function judgeReadNotStuck(poolSize: number, shares: readonly number[], readMs: readonly number[]): ExerciseResult {
  const exercise = "a readFile not stuck behind hashing";
  const { hashes } = READ_CHECK;
  if (shares.length === 0) return { exercise, passed: null, message: "Cannot tell: no round measured the readFile while the hashes ran; run the cell again." };
  const took = ms(median(readMs));
  if (shares.every((s) => s < WAIT_SHARE)) {
    return { exercise, passed: true, message: `Done: with UV_THREADPOOL_SIZE=${poolSize} the readFile took ${took} while ${hashes} hashes ran: a pool thread was free for it.` };
  }
  if (shares.every((s) => s >= WAIT_SHARE)) {
    return {
      exercise,
      passed: false,
      message: `Not yet: with UV_THREADPOOL_SIZE=${poolSize} the readFile took ${took}, until a hash gave its thread back: every pool thread was hashing. Count the calls in flight when the readFile starts.`,
    };
  }
  return { exercise, passed: null, message: `Cannot tell: the readFile waited for a hash in some rounds and not in others (it took ${took}); run the cell again.` };
}

/**
 * 11: the reader chooses UV_THREADPOOL_SIZE so that a readFile started while 6 pbkdf2 calls run
 * does not wait for one of them. Runs it in a child with that pool size (2 rounds) and judges
 * with judgeReadNotStuck.
 */
export async function checkReadNotStuck(poolSize: number): Promise<ExerciseResult> {
  const exercise = "a readFile not stuck behind hashing";
  const { hashes, targetMs, rounds, maxPoolSize } = READ_CHECK;
  if (typeof poolSize !== "number" || !Number.isInteger(poolSize) || poolSize < POOL_SIZE.min || poolSize > maxPoolSize) {
    return { exercise, passed: false, message: `Not yet: poolSize must be a whole number of threads from ${POOL_SIZE.min} to ${maxPoolSize}, got ${JSON.stringify(poolSize) ?? String(poolSize)}; set it to the number of pool threads you want.` };
  }
  const probes = await poolProbes({ poolSize, busyHashes: hashes, iterations: pbkdf2Iterations(targetMs), kinds: ["readFile"], repeats: rounds });
  const shares = probes.rounds.filter((r) => r.busy).map((r) => waitShare(r, "readFile")).filter((s): s is number => s !== null);
  return judgeReadNotStuck(poolSize, shares, probeLatencies(probes, "readFile", true));
}

/** Asked before the experiment that decides pool.rounds. */
const ASKED_ROUNDS: Question = {
  id: "pool.rounds",
  text: "Eight crypto.pbkdf2 calls, each about 120 ms of hashing, start together with libuv's pool of 4 threads (UV_THREADPOOL_SIZE=4, the default). How do they finish?",
  choices: {
    a: "all eight at about the same time: an async call does not wait for anything",
    b: "in two rounds of four: the fourth finishes well before the last",
    c: "one at a time: each call waits for the one before",
  },
  predicts: {
    a: "the 4th finishes after 80 % of the batch's time",
    b: "the 4th by 80 %, the 1st after a quarter of it",
    c: "the 1st finishes within the first quarter of the batch's time",
  },
  choose: (o) => {
    const [low, high, firstLow, firstHigh] = [o.low, o.high, o.firstLow, o.firstHigh];
    if (low === undefined || high === undefined || firstLow === undefined || firstHigh === undefined) return null;
    if (low >= ROUND_SHARE) return "a";
    if (high <= ROUND_SHARE && firstLow >= 0.25) return "b";
    if (firstHigh <= 0.25) return "c";
    return null;
  },
};

export const chapter: Chapter = {
  id: SECTION,
  title: "11 · libuv's thread pool: the threads behind Node's async calls",
  question: "Node runs JavaScript on one thread, so who does the work of an async call?",
  about: "libuv's thread pool: pbkdf2 calls in rounds of UV_THREADPOOL_SIZE, fs and dns.lookup waiting for a pool thread, resolve4 on a loopback DNS server not waiting",
  claims: ["pool.rounds", "pool.fs-waits", "pool.dns-lookup", "pool.dns-resolve", "pool.python-executor"],
  questions: [ASKED_ROUNDS],
  shortRun,
};
