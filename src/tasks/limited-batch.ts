/**
 * A batch of HTTP requests, all at once or through a limiter (p-limit), run in a fresh child
 * process so that each batch's memory is its own: what chapter 13 measures of a limit's effect
 * on time, memory and open connections. The child is killed on abort, on close and when this
 * process exits.
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import { AbortError, checkInteger, throwIfAborted, typeError } from "../errors";
import { exited, killIfRunning, PARENT_PID_ENV } from "../runtime/child-life";
import { startExperiment, trackPool, untrackPool } from "../runtime/lifecycle";

/** What the child is asked: `requests` GETs of `url`, at most `limit` in flight (null: no limit). */
export interface BatchRequest {
  readonly url: string;
  readonly requests: number;
  readonly limit: number | null;
}

/** What one batch did. */
export interface BatchReport {
  readonly requests: number;
  readonly limit: number | null;
  readonly wallMs: number;
  /** The most connections the batch held open at once (counted at its sockets). */
  readonly mostOpen: number;
  readonly failed: number;
  /**
   * The most memory the batch held alive at once: heap and external memory after a full
   * collection, read every 250 ms and as the open connections grew, over what the child
   * held before the batch.
   */
  readonly heldBytes: number;
}

/** p-limit's factory. p-limit is an ES module, which CommonJS may require() from Node 20.19 and 22.12 on: older Nodes get an error that says so. */
export function loadPLimit(): typeof import("p-limit").default {
  try {
    return (require("p-limit") as typeof import("p-limit")).default;
  } catch (error) {
    throw new Error(`p-limit could not be loaded on Node ${process.versions.node}: it is an ES module, which require() loads from Node 20.19 (or 22.12) on; use Node 20.19 or newer (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

const CHILD_MODULE = path.join(__dirname, "limited-batch-child.js");

/** Most requests one batch may send. */
export const MAX_BATCH_REQUESTS = 20_000;

/**
 * Sends `requests` GETs to `url` from a fresh child process, all at once (`limit: null`) or with
 * at most `limit` in flight through p-limit, and reports what the batch did. Rejects with
 * AbortError on `signal` (the child is killed), and names the child's failure otherwise.
 */
export function limitedBatch(options: BatchRequest & { readonly signal?: AbortSignal }): Promise<BatchReport> {
  if (typeof options !== "object" || options === null) throw typeError("options", "an object like { url, requests: 10000, limit: 100 }", options, "pass the batch to send");
  if (typeof options.url !== "string" || !/^http:\/\//.test(options.url)) throw typeError("options.url", "an http:// URL", options.url, "start a server with startDelayServer() and pass its url");
  const requests = checkInteger("options.requests", options.requests, 1, MAX_BATCH_REQUESTS, "e.g. 10000");
  const limit = options.limit === null ? null : checkInteger("options.limit", options.limit, 1, MAX_BATCH_REQUESTS, "a number of requests in flight, or null for no limit");
  throwIfAborted(options.signal);
  return startExperiment(async (controller) => {
    const onUserAbort = (): void => controller.abort();
    options.signal?.addEventListener("abort", onUserAbort, { once: true });
    const child = fork(CHILD_MODULE, [], { stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv: ["--expose-gc"], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) }, serialization: "json" });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    const killNow = (): void => killIfRunning(child);
    const handle = { killNow, destroy: async () => { killNow(); await exited(child); } };
    trackPool(handle);
    process.on("exit", killNow);
    const onAbort = (): void => killNow();
    controller.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const report = await new Promise<BatchReport>((resolve, reject) => {
        child.once("message", (message: BatchReport) => resolve(message));
        child.once("exit", (code, signal) => reject(controller.signal.aborted ? new AbortError() : new Error(`the batch's child process exited (code ${code}, signal ${signal}) before it reported${stderr ? `: ${stderr.trim()}` : ""}`)));
        child.send({ url: options.url, requests, limit } satisfies BatchRequest);
      });
      throwIfAborted(controller.signal);
      return report;
    } finally {
      controller.signal.removeEventListener("abort", onAbort);
      options.signal?.removeEventListener("abort", onUserAbort);
      killNow();
      await exited(child);
      process.off("exit", killNow);
      untrackPool(handle);
    }
  });
}
