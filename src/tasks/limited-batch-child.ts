/**
 * The child process of `limitedBatch()`: sends `requests` HTTP requests to a URL, all at once or
 * through p-limit with `limit` in flight, and reports the wall time, the most connections it held
 * open at once, the failures and its peak resident memory (VmHWM) over what it held before. A
 * request counts as in flight until its connection has closed, so the limiter bounds connections,
 * not only responses. Ends with its parent.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { endWithParent } from "../runtime/child-life";
import { loadPLimit, type BatchReport, type BatchRequest } from "./limited-batch";

/** This process's resident set at its peak so far (VmHWM), in bytes; null where /proc is missing. */
function peakRss(): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
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
  const get = (): Promise<void> =>
    new Promise((resolve) => {
      let ok = false;
      const request = http.get(url, { agent: false }, (response) => {
        response.resume();
        response.on("end", () => (ok = response.statusCode === 200));
      });
      request.on("socket", (socket) => {
        mostOpen = Math.max(mostOpen, ++open);
        socket.once("close", () => {
          open--;
          if (!ok) failed++;
          resolve();
        });
      });
      request.on("error", () => undefined); // counted as failed when its socket closes
    });
  const before = peakRss();
  const limiter = limit === null ? null : loadPLimit()(limit);
  const run = limiter === null ? get : () => limiter(get);
  const started = performance.now();
  await Promise.all(Array.from({ length: requests }, () => run()));
  const wallMs = performance.now() - started;
  const after = peakRss();
  return { requests, limit, wallMs, mostOpen, failed, peakAddedBytes: before === null || after === null ? null : Math.max(0, after - before) };
}

main();
