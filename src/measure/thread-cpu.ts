/**
 * CPU time of the calling thread, to tell how much of a CPU one copy of a task had while it ran:
 * about all of one when it ran alone or on a core of its own, about half when two copies took
 * turns on one core (GIL-bound threads). Linux only: /proc/thread-self/schedstat (nanoseconds on
 * the CPU); undefined elsewhere. The kernel adds a thread's running slice to that sum at each
 * scheduler tick (1 to 10 ms) or switch, so a copy's reading is good to about a tick: fine for the
 * course's copies of 100 ms and more, coarse for a copy of a few milliseconds.
 */
import { readFileSync } from "node:fs";

let readable = true;

/** Milliseconds this thread has spent on a CPU so far, or undefined where the OS does not say. */
export function threadCpuMs(): number | undefined {
  if (!readable) return undefined;
  try {
    const ns = Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ", 1)[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // not Linux, or /proc is not mounted: stop asking
  }
  readable = false;
  return undefined;
}

/** CPU milliseconds between two threadCpuMs() readings, or undefined when either is missing. */
export function cpuBetween(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : Math.max(0, after - before);
}
