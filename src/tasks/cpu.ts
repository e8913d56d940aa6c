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
