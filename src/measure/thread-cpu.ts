/**
 * CPU time of the calling thread, to tell how much of a CPU one copy of a task had while it ran:
 * about all of one when it ran alone or on a core of its own, about half when two copies took
 * turns on one core (GIL-bound threads). Linux only: /proc/thread-self/schedstat (nanoseconds on
 * the CPU); undefined elsewhere. The kernel adds a thread's running slice to that sum at each
 * scheduler tick (1 to 10 ms) or switch, so a copy's reading is good to about a tick: fine for the
 * course's copies of 100 ms and more, coarse for a copy of a few milliseconds.
 */
import { closeSync, openSync, readSync } from "node:fs";

// One open file per thread (module state is per isolate, so each worker thread has its own): a
// positioned read regenerates the line without an open and a close each time.
let fd: number | null | undefined;
const buffer = Buffer.alloc(64);

/** Milliseconds this thread has spent on a CPU so far, or undefined where the OS does not say. */
export function threadCpuMs(): number | undefined {
  if (fd === null) return undefined;
  try {
    if (fd === undefined) {
      fd = openSync("/proc/thread-self/schedstat", "r");
      // A worker thread's 'exit' also fires when it is terminated: its file goes with it.
      process.once("exit", closeOwnFile);
    }
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const ns = Number(buffer.toString("latin1", 0, length).split(" ", 1)[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // not Linux, or /proc is not mounted: stop asking
  }
  closeOwnFile();
  return undefined;
}

function closeOwnFile(): void {
  if (typeof fd === "number") closeSync(fd);
  fd = null;
}

/** CPU milliseconds between two threadCpuMs() readings, or undefined when either is missing. */
export function cpuBetween(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : Math.max(0, after - before);
}
