/**
 * The life both pools share (src/pools/pool-life.ts), fed each transition on its own, with a
 * stand-in for the workers: when close() waits, when teardown runs and as what, which promise each
 * later call returns, and the errors of a task refused or stopped.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { destroyAllPools, PoolLife, type PoolEnd } from "conclab/internal";

/** A PoolLife over a stand-in pool whose drain ends when the test says so. */
function stub(kind: "thread" | "process" = "thread") {
  const drains: number[] = [];
  const teardowns: PoolEnd[] = [];
  let endDrain = (): void => undefined;
  const drained = new Promise<void>((resolve) => (endDrain = resolve));
  const pool = { killNow: (): void => undefined, destroy: (): Promise<void> => life.destroy() };
  const life: PoolLife = new PoolLife({
    kind,
    pool,
    drain: (timeoutMs) => {
      drains.push(timeoutMs);
      return drained;
    },
    teardown: async (state) => {
      assert.equal(life.state, state, "teardown sees the state already set");
      teardowns.push(state);
    },
  });
  return { life, drains, teardowns, endDrain };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a pool's life", () => {
  it("starts open and takes tasks", async () => {
    const { life } = stub();
    assert.equal(life.state, "open");
    assert.equal(life.ended, false);
    assert.equal(life.refusal(), null);
    await life.destroy();
  });

  it("close(): closing while the running tasks finish (10 s at most by default), then closed", async () => {
    const { life, drains, teardowns, endDrain } = stub();
    const closed = life.close();
    assert.equal(life.state, "closing");
    assert.equal(life.ended, false);
    assert.deepEqual(drains, [10_000]);
    await turn();
    assert.deepEqual(teardowns, [], "nothing is torn down while tasks run");
    endDrain();
    await closed;
    assert.equal(life.state, "closed");
    assert.equal(life.ended, true);
    assert.deepEqual(teardowns, ["closed"]);
  });

  it("refuses a task after close(), naming the state and the function to call", async () => {
    const { life, endDrain } = stub("process");
    const closed = life.close({ timeoutMs: 50 });
    assert.equal(life.refusal()?.message, "this process pool is closing and runs no more tasks; create a new one with createProcessPool()");
    endDrain();
    await closed;
    assert.equal(life.refusal()?.message, "this process pool is closed and runs no more tasks; create a new one with createProcessPool()");
  });

  it("a second close(), while closing or after, returns the first one's promise and drains once", async () => {
    const { life, drains, teardowns, endDrain } = stub();
    const closed = life.close({ timeoutMs: 250 });
    assert.equal(life.close({ timeoutMs: 5 }), closed);
    endDrain();
    await closed;
    assert.equal(life.close(), closed);
    assert.deepEqual(drains, [250]);
    assert.deepEqual(teardowns, ["closed"]);
  });

  it("destroy() after close() changes nothing", async () => {
    const { life, teardowns, endDrain } = stub();
    const closed = life.close();
    endDrain();
    await closed;
    await life.destroy();
    assert.equal(life.state, "closed");
    assert.deepEqual(teardowns, ["closed"]);
  });

  it("destroy(): destroyed at once, torn down once however often it is called", async () => {
    const { life, drains, teardowns } = stub();
    const destroyed = life.destroy();
    assert.equal(life.state, "destroyed");
    assert.equal(life.ended, true);
    assert.equal(life.destroy(), destroyed);
    await destroyed;
    assert.deepEqual(teardowns, ["destroyed"]);
    assert.deepEqual(drains, []);
    assert.equal(life.refusal()?.message, "this thread pool is destroyed and runs no more tasks; create a new one with createThreadPool()");
  });

  it("close() during or after destroy() returns destroy's promise and waits for nothing", async () => {
    const { life, drains, teardowns } = stub();
    const destroyed = life.destroy();
    assert.equal(life.close(), destroyed);
    await destroyed;
    assert.equal(life.close(), destroyed);
    assert.equal(life.state, "destroyed");
    assert.deepEqual(drains, []);
    assert.deepEqual(teardowns, ["destroyed"]);
  });

  it("destroy() during close() tears down at once as destroyed; the close ends with it", async () => {
    const { life, teardowns, endDrain } = stub();
    const closed = life.close();
    await life.destroy();
    assert.equal(life.state, "destroyed");
    assert.deepEqual(teardowns, ["destroyed"]);
    assert.equal(life.close(), closed, "close() still returns the close under way");
    endDrain();
    await closed;
    assert.equal(life.state, "destroyed", "the close that finishes later does not reopen or re-close");
    assert.deepEqual(teardowns, ["destroyed"]);
  });

  it("a bad close timeout rejects and leaves the pool open", async () => {
    const { life, drains } = stub();
    for (const timeoutMs of [-1, 1.5, 2 ** 31]) {
      await assert.rejects(life.close({ timeoutMs }), { name: "RangeError", message: /^options\.timeoutMs must be an integer from 0 to 2147483647/ });
    }
    assert.equal(life.state, "open");
    assert.deepEqual(drains, []);
    await life.destroy();
  });

  it("names a task stopped by the end it met", async () => {
    const { life } = stub("process");
    await life.destroy();
    assert.equal(life.stoppedWhileRunning("countTo").message, "task countTo was stopped: its process pool was destroyed while it ran");
  });

  it("is tracked until it ends: destroyAllPools() destroys it, and forgets it then", async () => {
    const { life, teardowns } = stub();
    await destroyAllPools();
    assert.equal(life.state, "destroyed");
    await destroyAllPools();
    assert.deepEqual(teardowns, ["destroyed"]);
  });
});
