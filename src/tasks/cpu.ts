import { checkInteger } from "../errors";
import { defineBuiltinTask } from "./task-source";

/** Largest count accepted: about ten minutes of counting on a fast core. */
export const MAX_COUNT = 1e12;
/** Largest prime-count limit accepted (the sieve-free loop is O(n·√n)). */
export const MAX_PRIME_LIMIT = 2e8;

/**
 * The article's CPU-bound task: count from 0 up to `n` and return `n`.
 * Pure JavaScript work on one thread, no allocation, no I/O.
 */
export const countTo = defineBuiltinTask(
  function countTo(n: number): number {
    let i = 0;
    while (i < n) i++;
    return i;
  },
  {
    kind: "cpu",
    python: "count_to",
    checkArgs: ([n]) => void checkInteger("args[0] (n, how far countTo counts)", n, 0, MAX_COUNT, "calibrate(countTo, { targetMs }) finds a size for this machine"),
  },
);

/**
 * "Calculating primes": how many primes are below `limit`, by trial division (CPU-bound, no
 * allocation, the same algorithm as the Python twin).
 */
export const countPrimes = defineBuiltinTask(
  function countPrimes(limit: number): number {
    let count = 0;
    for (let candidate = 2; candidate < limit; candidate++) {
      let prime = true;
      for (let divisor = 2; divisor * divisor <= candidate; divisor++) {
        if (candidate % divisor === 0) {
          prime = false;
          break;
        }
      }
      if (prime) count++;
    }
    return count;
  },
  {
    kind: "cpu",
    python: "count_primes",
    checkArgs: ([limit]) =>
      void checkInteger("args[0] (limit, the bound countPrimes counts primes below)", limit, 0, MAX_PRIME_LIMIT, "calibrate(countPrimes, { targetMs }) finds a size for this machine"),
  },
);

/** Largest buffer hashBytes hashes (MiB), and most rounds. */
export const MAX_HASH_MB = 256;
export const MAX_HASH_ROUNDS = 1_000_000;

/**
 * CPU work done in C: `rounds` times, SHA-256 of the previous digest followed by a buffer of `mb`
 * MiB of zeros (default 1); returns the last digest in hex. The size is the first argument, so
 * `calibrate(hashBytes, { targetMs, startSize: 10 })` sizes the rounds. Node hashes with node:crypto (OpenSSL); the Python
 * twin with hashlib, which releases the GIL while it hashes more than 2 KiB, so CPython threads
 * run it in parallel. Both return the same digest.
 */
export const hashBytes = defineBuiltinTask(
  function hashBytes(rounds: number, mb: number = 1): string {
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    const data = Buffer.alloc(mb * 1024 * 1024);
    let digest = Buffer.alloc(0);
    for (let i = 0; i < rounds; i++) digest = createHash("sha256").update(digest).update(data).digest();
    return digest.toString("hex");
  },
  {
    kind: "cpu",
    python: "hash_bytes",
    checkArgs: ([rounds, mb = 1]) => {
      checkInteger("args[0] (rounds, how many times hashBytes hashes the buffer)", rounds, 1, MAX_HASH_ROUNDS, "calibrate(hashBytes, { targetMs: 500, startSize: 10 }) finds a size for this machine");
      checkInteger("args[1] (mb, the MiB hashBytes hashes each round)", mb, 1, MAX_HASH_MB, "leave it out for 1 MiB");
    },
  },
);
