/**
 * Stopping worker threads when Node loses a stop request (Node 24 lost one in CI: the worker idled
 * in an Atomics.wait loop and its terminate() never settled). The loss is made on purpose here:
 * the worker's first terminate() does nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { terminateWorkers } from "conclab/internal";
import { Timeout, within } from "../../tools/runner/execute-notebook";
import { loseFirstStopRequest } from "../helpers/threads";

/** A worker parked in Atomics.wait, as piscina's idle workers and the switching experiment's players are. */
async function parkedWorker(): Promise<Worker> {
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); const cell = new Int32Array(new SharedArrayBuffer(4)); parentPort.postMessage('parked'); for (;;) Atomics.wait(cell, 0, 0);",
    { eval: true },
  );
  await new Promise((resolve) => worker.once("message", resolve));
  return worker;
}

describe("terminateWorkers", () => {
  it("asks again until a worker whose first stop request was lost has exited", async () => {
    const lost = await parkedWorker();
    const kept = await parkedWorker();
    const { asked, terminate } = loseFirstStopRequest(lost);
    const exits = [lost, kept].map((worker) => new Promise((resolve) => worker.once("exit", resolve)));
    const stopped = await within(terminateWorkers([lost, kept]), 20_000);
    if (stopped instanceof Timeout) await terminate(); // or this file's process would never end
    assert.ok(!(stopped instanceof Timeout), `terminateWorkers did not return within 20 s; asked ${asked()} time(s)`);
    assert.ok(asked() >= 2, `asked ${asked()} time(s)`);
    assert.ok(!((await within(Promise.all(exits), 5_000)) instanceof Timeout), "both workers exited");
  });
});
