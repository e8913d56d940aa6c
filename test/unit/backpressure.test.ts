/**
 * Chapter 13's measurement code: a limited batch of requests in a child process (its limit, its
 * errors, its abort), the two ways of feeding a slow stream, deadlines on the strategies, and
 * CPython's cancellation script. Behaviour only: counts and outcomes, never a duration.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { AbortError, countTo, findPython, startDelayServer } from "conclab";
import { backpressure } from "conclab/course";
import { ProcessWatch } from "../helpers/processes";

const python = findPython();

describe("a batch of requests through a limit (limitedBatch)", () => {
  it("never holds more connections open than its limit, and without one opens more; every request is answered", async () => {
    const server = await startDelayServer({ delayMs: 20, inChildProcess: true });
    try {
      const limited = await backpressure.limitedBatch({ url: server.url, requests: 200, limit: 10 });
      assert.deepEqual([limited.requests, limited.limit, limited.failed], [200, 10, 0]);
      assert.ok(limited.mostOpen <= 10 && limited.mostOpen >= 5, `most open ${limited.mostOpen}`);
      const all = await backpressure.limitedBatch({ url: server.url, requests: 200, limit: null });
      assert.equal(all.failed, 0);
      assert.ok(all.mostOpen > 10, `most open without a limit ${all.mostOpen}`);
      assert.ok(Number.isFinite(all.heldBytes) && all.heldBytes >= 0 && Number.isFinite(limited.heldBytes) && limited.heldBytes >= 0);
    } finally {
      await server.close();
    }
  });

  it("an abort rejects with AbortError and leaves no process behind", async () => {
    const server = await startDelayServer({ delayMs: 5_000, inChildProcess: true });
    const watch = new ProcessWatch(20);
    try {
      const batch = backpressure.limitedBatch({ url: server.url, requests: 100, limit: null, signal: AbortSignal.timeout(300) });
      await assert.rejects(batch, AbortError);
    } finally {
      await server.close();
    }
    assert.deepEqual(await watch.leftovers(), []);
  });

  it("refuses a bad batch, naming the option, the value and the fix", () => {
    assert.throws(() => backpressure.limitedBatch({ url: "ftp://x", requests: 10, limit: 1 }), { name: "TypeError", message: /^options\.url must be an http:\/\/ URL, got "ftp:\/\/x"/ });
    assert.throws(() => backpressure.limitedBatch({ url: "http://127.0.0.1:1/", requests: 0, limit: 1 }), { name: "RangeError", message: /^options\.requests must be/ });
    assert.throws(() => backpressure.limitedBatch({ url: "http://127.0.0.1:1/", requests: 10, limit: 0 }), { name: "RangeError", message: /^options\.limit must be/ });
  });

  it("p-limit loads on this Node (an ES module required from CommonJS) and runs at most k at once", async () => {
    const limit = backpressure.pLimit(2);
    let running = 0;
    let most = 0;
    const job = async (i: number): Promise<number> => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return i;
    };
    assert.deepEqual(await Promise.all([0, 1, 2, 3, 4].map((i) => limit(() => job(i)))), [0, 1, 2, 3, 4]);
    assert.equal(most, 2);
  });
});

describe("a fast stream into a slow one (flow)", () => {
  it("pipeline keeps at most two highWaterMarks and a chunk buffered; a loop that ignores write() buffers it all", async () => {
    const total = 4 * 2 ** 20;
    const piped = await backpressure.flow("pipeline", total);
    const ignored = await backpressure.flow("write() ignored", total);
    assert.ok(piped.mostBufferedBytes <= 2 * piped.highWaterMark + piped.chunkBytes, `pipeline buffered ${piped.mostBufferedBytes}`);
    assert.ok(ignored.mostBufferedBytes >= 0.9 * total, `the loop buffered ${ignored.mostBufferedBytes}`);
    assert.equal(backpressure.backpressureClaim([piped, ignored]).verdict, "holds");
  });
});

describe("deadlines on the strategies (cancelOne)", () => {
  it("a worker thread and a child process are stopped at their deadline, leaving nothing; a loop on the main thread runs to its end", async () => {
    const watch = new ProcessWatch(20);
    const threads = await backpressure.cancelOne("threads", countTo, [5e9], 300);
    const processes = await backpressure.cancelOne("processes", countTo, [5e9], 300);
    assert.deepEqual([threads.outcome, threads.childrenLeft], ["aborted", 0]);
    assert.deepEqual([processes.outcome, processes.childrenLeft], ["aborted", 0]);
    const loop = await backpressure.cancelOne("sequential", countTo, [2e7], 1);
    assert.equal(loop.outcome, "finished");
    assert.deepEqual(await watch.leftovers(), []);
  });
});

describe("CPython's cancellation script", { skip: python === null ? "no Python 3.8+ on this machine" : false }, () => {
  const script = backpressure.pythonCancellationScript();
  const ask = (request: object): { ok: boolean; error?: string; result?: Record<string, Record<string, number> | null> } =>
    JSON.parse(spawnSync(python!.command, [script, JSON.stringify(request)], { encoding: "utf8" }).stdout) as { ok: boolean };

  it("gather lets the siblings finish; TaskGroup and timeout cancel (3.11+)", () => {
    const reply = ask({ cmd: "cancel", tasks: 3, failMs: 20, workMs: 150, deadlineMs: 40 });
    assert.equal(reply.ok, true, reply.error);
    assert.deepEqual([reply.result!.gather!.finishedAfter, reply.result!.gather!.cancelled], [2, 0]);
    const [major, minor] = python!.version.split(".").map(Number) as [number, number];
    if (major > 3 || minor >= 11) {
      assert.deepEqual([reply.result!.taskGroup!.finishedAfter, reply.result!.taskGroup!.cancelled], [0, 2]);
      assert.deepEqual([reply.result!.timeout!.finishedAfter, reply.result!.timeout!.cancelled], [0, 1]);
    } else {
      assert.deepEqual([reply.result!.taskGroup, reply.result!.timeout], [null, null]);
    }
  });

  it("refuses a failure or deadline that comes after the work, naming the fields", () => {
    const reply = ask({ cmd: "cancel", failMs: 500, workMs: 300 });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /^RequestError: failMs and deadlineMs must be below workMs, got 500, 100 and 300/);
  });
});
