/**
 * The child process of the libuv-pool experiments (libuv-pool.ts). Its parent started it with
 * UV_THREADPOOL_SIZE set, which libuv reads once, when the pool is first used: that is why each
 * pool size needs a process of its own. Reads a plan from argv[2], runs it, and writes what it
 * recorded as one JSON line on stdout. Times are milliseconds from the start of each round.
 */
import { pbkdf2 } from "node:crypto";
import { lookup, Resolver } from "node:dns";
import { readFile, stat } from "node:fs/promises";
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { endWithParent } from "../runtime/child-life";
import type { PoolChildPlan, PoolChildReply, ProbeKind, ProbeRound } from "./libuv-pool";

/** The name resolve4 asks the loopback server for (it answers every A question). */
const RESOLVE_NAME = "pool.conclab.test";

/** One pbkdf2 call of `iterations`, resolving when its callback runs. */
function hash(iterations: number): Promise<void> {
  return new Promise((resolve, reject) => pbkdf2("conclab", "libuv-pool", iterations, 32, "sha256", (error) => (error ? reject(error) : resolve())));
}

/** `calls` hashes started together: when each call's callback ran, in call order. */
async function hashBatch(calls: number, iterations: number): Promise<number[]> {
  const t0 = performance.now();
  return Promise.all(Array.from({ length: calls }, () => hash(iterations).then(() => performance.now() - t0)));
}

/** The call a probe makes: on the pool (stat, readFile, lookup) or not (statSync on this thread, resolve4 through c-ares). */
function probe(kind: ProbeKind, resolver: Resolver | null): Promise<void> {
  switch (kind) {
    case "stat":
      return stat(__filename).then(() => undefined);
    case "readFile":
      return readFile(__filename).then(() => undefined);
    case "statSync":
      statSync(__filename);
      return Promise.resolve();
    case "lookup":
      return new Promise((resolve, reject) => lookup("localhost", { family: 4 }, (error) => (error ? reject(error) : resolve())));
    case "resolve4":
      if (!resolver) return Promise.reject(new Error("no resolver: the loopback DNS server was not started"));
      return new Promise((resolve, reject) => resolver.resolve4(RESOLVE_NAME, (error) => (error ? reject(error) : resolve())));
  }
}

/**
 * One round: `busyHashes` hashes started (none for an idle round), then after `delayMs` the
 * probes, statSync first (it blocks this thread) and the others together. Records when each
 * hash's and each probe's callback ran.
 */
async function probeRound(plan: NonNullable<PoolChildPlan["probes"]>, iterations: number, busy: boolean, resolver: Resolver | null): Promise<ProbeRound> {
  const t0 = performance.now();
  const hashEndsMs: number[] = [];
  const hashes = Array.from({ length: busy ? plan.busyHashes : 0 }, () => hash(iterations).then(() => void hashEndsMs.push(performance.now() - t0)));
  await sleep(plan.delayMs);
  const probeStartMs = performance.now() - t0;
  const ends: Partial<Record<ProbeKind, number>> = {};
  const errors: Partial<Record<ProbeKind, string>> = {};
  const ordered = [...plan.kinds].sort((a, b) => Number(b === "statSync") - Number(a === "statSync"));
  const probes = ordered.map((kind) =>
    probe(kind, resolver).then(
      () => void (ends[kind] = performance.now() - t0),
      (error: unknown) => void (errors[kind] = error instanceof Error ? error.message : String(error)),
    ),
  );
  await Promise.all([...hashes, ...probes]);
  return { busy, probeStartMs, hashEndsMs: hashEndsMs.sort((a, b) => a - b), probeEndsMs: ends, errors };
}

async function main(plan: PoolChildPlan): Promise<PoolChildReply> {
  const reply: PoolChildReply = { poolSizeEnv: process.env.UV_THREADPOOL_SIZE ?? null, batches: [], rounds: [] };
  if (plan.hashes) {
    await hashBatch(1, Math.ceil(plan.iterations / 10)); // starts the pool's threads
    for (let r = 0; r < plan.hashes.repeats; r++) reply.batches.push(await hashBatch(plan.hashes.calls, plan.iterations));
  }
  if (plan.probes) {
    const resolver = plan.probes.dnsServer ? new Resolver({ timeout: 2_000, tries: 1 }) : null;
    resolver?.setServers([plan.probes.dnsServer!]);
    await probeRound(plan.probes, plan.iterations, false, resolver); // warm-up: the pool's threads, the name-service libraries
    for (let r = 0; r < plan.probes.repeats; r++) {
      reply.rounds.push(await probeRound(plan.probes, plan.iterations, false, resolver));
      reply.rounds.push(await probeRound(plan.probes, plan.iterations, true, resolver));
    }
  }
  return reply;
}

endWithParent({ busy: false });
main(JSON.parse(process.argv[2] ?? "{}") as PoolChildPlan).then(
  (reply) => process.stdout.write(`${JSON.stringify(reply)}\n`, () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
