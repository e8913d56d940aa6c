/**
 * The child process of `limitedBatch()`: sends `requests` HTTP requests to a URL, all at once or
 * through p-limit with `limit` in flight, and reports the wall time, the most connections it held
 * open at once, the failures, and the most memory the batch held alive at once. A request counts
 * as in flight until its connection has closed, so the limiter bounds connections, not only
 * responses. Ends with its parent.
 *
 * Memory alive, not memory allocated: resident memory would count garbage that the collector has
 * not yet freed, and how much piles up depends on its heuristics. So the child runs with
 * `--expose-gc` and, every 250 ms, each time the open connections grow by a quarter and when they
 * reach the most the batch can open, collects fully and
 * reads the heap and the memory outside it (buffers, sockets' native parts).
 */
import * as http from "node:http";
import { endWithParent } from "../runtime/child-life";
import { loadPLimit, type BatchReport, type BatchRequest } from "./limited-batch";

/** Requests sent the same way before the measured batch, so that loading the modules and compiling this code are not counted. */
const WARM_UP = 200;
/** How often the batch's live memory is read, besides each time the open connections grow by a quarter, and when they reach the most the batch can open. */
const SAMPLE_MS = 250;
const SAMPLE_GROWTH = 1.25;

/** Heap and external memory alive now, after a full collection (without --expose-gc: as it stands). */
function liveBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

function main(): void {
  if (typeof process.send !== "function") {
    process.stderr.write("limited-batch-child: start it through limitedBatch(), not by hand\n");
    process.exit(2);
  }
  endWithParent({ busy: false });
  process.once("message", (request: BatchRequest) => {
    void batch(request).then(
      (report) => process.send?.(report, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`limited-batch-child: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

async function batch({ url, requests, limit }: BatchRequest): Promise<BatchReport> {
  let open = 0;
  let mostOpen = 0;
  let failed = 0;
  let base = 0;
  let held = 0;
  let sampledAt = 1;
  /** The most connections the batch can open at once: its limit, or all of its requests. */
  const most = Math.min(limit ?? requests, requests);
  const sample = (): void => void (held = Math.max(held, liveBytes() - base));
  const get = (): Promise<void> =>
    new Promise((resolve) => {
      let ok = false;
      const request = http.get(url, { agent: false }, (response) => {
        response.resume();
        response.on("end", () => (ok = response.statusCode === 200));
      });
      request.on("socket", (socket) => {
        mostOpen = Math.max(mostOpen, ++open);
        if (open >= SAMPLE_GROWTH * sampledAt || (open === most && sampledAt < most)) {
          sampledAt = open;
          sample();
        }
        socket.once("close", () => {
          open--;
          if (!ok) failed++;
          resolve();
        });
      });
      request.on("error", () => undefined); // counted as failed when its socket closes
    });
  const limiter = limit === null ? null : loadPLimit()(limit);
  const run = limiter === null ? get : () => limiter(get);
  await Promise.all(Array.from({ length: Math.min(WARM_UP, requests) }, () => run()));
  [mostOpen, failed, sampledAt] = [0, 0, 1];
  base = liveBytes();
  const sampler = setInterval(sample, SAMPLE_MS);
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: requests }, () => run()));
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - started;
  return { requests, limit, wallMs, mostOpen, failed, heldBytes: Math.max(0, held) };
}

main();
