/**
 * libuv's thread pool, measured from outside: Node's "async" crypto, fs and dns.lookup calls run
 * on a pool of UV_THREADPOOL_SIZE threads (4 unless set), which libuv reads once, when the pool is
 * first used. So each pool size runs in a child Node process started with the variable set
 * (libuv-pool-child.ts); the child records when each call's callback ran, and dies with the cell
 * that started it.
 */
import { pbkdf2Sync } from "node:crypto";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { checkInteger, rangeError } from "../errors";
import { jsonFromChild } from "../runtime/child-life";
import { startExperiment } from "../runtime/lifecycle";

const CHILD = path.join(__dirname, "libuv-pool-child.js");

/** libuv's bounds for UV_THREADPOOL_SIZE: it clamps a value above the maximum. */
export const POOL_SIZE = { min: 1, max: 1024, default: 4 } as const;

/** What a probe calls: `stat`, `readFile` and `lookup` go through the pool; `statSync` runs on the calling thread; `resolve4` asks a DNS server through c-ares. */
export type ProbeKind = "stat" | "readFile" | "statSync" | "lookup" | "resolve4";

/** The plan the child runs (see libuv-pool-child.ts). */
export interface PoolChildPlan {
  /** pbkdf2 iterations of every hash. */
  readonly iterations: number;
  /** Batches of `calls` hashes started together, `repeats` of them one after another. */
  readonly hashes: { readonly calls: number; readonly repeats: number } | null;
  /** Rounds of probes, each idle and then with `busyHashes` hashes in flight, `delayMs` after they started. */
  readonly probes: { readonly kinds: readonly ProbeKind[]; readonly busyHashes: number; readonly delayMs: number; readonly repeats: number; readonly dnsServer: string | null } | null;
}

/** One round of probes: when they started and when each ended, and when each hash ended, in ms from the round's start. */
export interface ProbeRound {
  readonly busy: boolean;
  readonly probeStartMs: number;
  /** When each hash's callback ran, earliest first; empty in an idle round. */
  readonly hashEndsMs: number[];
  /** When each probe's callback ran (absent where it failed). */
  readonly probeEndsMs: Partial<Record<ProbeKind, number>>;
  /** Why a probe failed, by kind. */
  readonly errors: Partial<Record<ProbeKind, string>>;
}

export interface PoolChildReply {
  /** UV_THREADPOOL_SIZE as the child saw it (null: unset, the default). */
  readonly poolSizeEnv: string | null;
  /** Each batch: when each hash's callback ran, in ms from the batch's start, in call order. */
  readonly batches: number[][];
  /** Idle and busy rounds, alternating. */
  readonly rounds: ProbeRound[];
}

/**
 * The pbkdf2 iterations (sha256) that take about `targetMs` on one thread of this machine, from
 * the quickest of three short timed calls (the least disturbed).
 */
export function pbkdf2Iterations(targetMs: number): number {
  if (!(typeof targetMs === "number" && targetMs >= 1 && targetMs <= 10_000)) {
    throw rangeError("targetMs", "a duration from 1 to 10,000 ms", targetMs, "pass how long one hash should take, e.g. 150");
  }
  const sample = 5_000;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    pbkdf2Sync("conclab", "libuv-pool", sample, 32, "sha256");
    best = Math.min(best, performance.now() - t0);
  }
  return Math.max(1_000, Math.round((targetMs / Math.max(best, 1e-3)) * sample));
}

/**
 * Runs `plan` in a child Node process whose UV_THREADPOOL_SIZE is `poolSize` (null: unset, so
 * libuv's default). Interrupting the cell kills the child, and with it the pool's threads.
 */
export function runPoolChild(poolSize: number | null, plan: PoolChildPlan): Promise<PoolChildReply> {
  if (poolSize !== null) checkInteger("poolSize", poolSize, POOL_SIZE.min, POOL_SIZE.max, `pass a pool size from ${POOL_SIZE.min} to ${POOL_SIZE.max}, or null for libuv's default`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (poolSize === null) delete env.UV_THREADPOOL_SIZE;
  else env.UV_THREADPOOL_SIZE = String(poolSize);
  return startExperiment((controller) => jsonFromChild<PoolChildReply>(`the pool child (UV_THREADPOOL_SIZE=${poolSize ?? "unset"})`, process.execPath, [CHILD, JSON.stringify(plan)], env, controller.signal));
}

/** Hash batches with one pool size: each batch's finishing times, in call order. */
export interface HashBatches {
  readonly poolSize: number;
  /** UV_THREADPOOL_SIZE as the child saw it. */
  readonly seenPoolSize: string | null;
  readonly calls: number;
  readonly iterations: number;
  /** Per batch, when each call's callback ran (ms from the batch's start), in call order. */
  readonly batches: readonly (readonly number[])[];
}

/**
 * `repeats` batches of `calls` pbkdf2 calls (`iterations` each) started together, in a child with
 * a pool of `poolSize` threads.
 */
export async function hashBatches(options: { poolSize: number; calls: number; iterations: number; repeats: number }): Promise<HashBatches> {
  const { poolSize, iterations } = options;
  const calls = checkInteger("calls", options.calls, 1, 256, "start from 1 to 256 calls together");
  const repeats = checkInteger("repeats", options.repeats, 1, 50, "run from 1 to 50 batches");
  checkInteger("iterations", iterations, 1, 1e9, "use pbkdf2Iterations(targetMs) to size a call");
  const reply = await runPoolChild(poolSize, { iterations, hashes: { calls, repeats }, probes: null });
  return { poolSize, seenPoolSize: reply.poolSizeEnv, calls, iterations, batches: reply.batches };
}

/** Probe rounds with one pool size. */
export interface PoolProbes {
  readonly poolSize: number;
  /** UV_THREADPOOL_SIZE as the child saw it. */
  readonly seenPoolSize: string | null;
  readonly busyHashes: number;
  readonly iterations: number;
  readonly kinds: readonly ProbeKind[];
  readonly rounds: readonly ProbeRound[];
}

/**
 * Rounds of probes (`kinds`), each made twice: with the pool idle, and `delayMs` after
 * `busyHashes` hashes started, in a child with a pool of `poolSize` threads. `dnsServer`
 * (`host:port`) is where resolve4 asks; without one, leave resolve4 out of `kinds`.
 */
export async function poolProbes(options: { poolSize: number; busyHashes: number; iterations: number; kinds: readonly ProbeKind[]; repeats: number; delayMs?: number; dnsServer?: string | null }): Promise<PoolProbes> {
  const { poolSize, iterations, kinds } = options;
  const busyHashes = checkInteger("busyHashes", options.busyHashes, 1, 256, "keep from 1 to 256 hashes in flight");
  const repeats = checkInteger("repeats", options.repeats, 1, 50, "run from 1 to 50 rounds");
  const delayMs = checkInteger("delayMs", options.delayMs ?? 20, 0, 10_000, "wait from 0 to 10,000 ms before the probes");
  checkInteger("iterations", iterations, 1, 1e9, "use pbkdf2Iterations(targetMs) to size a call");
  const dnsServer = options.dnsServer ?? null;
  if (kinds.includes("resolve4") && !dnsServer) throw rangeError("dnsServer", "a DNS server's host:port for resolve4", dnsServer, "start one with startLoopbackDns(), or leave resolve4 out of kinds");
  const reply = await runPoolChild(poolSize, { iterations, hashes: null, probes: { kinds, busyHashes, delayMs, repeats, dnsServer } });
  return { poolSize, seenPoolSize: reply.poolSizeEnv, busyHashes, iterations, kinds, rounds: reply.rounds };
}
