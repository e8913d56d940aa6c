/**
 * The two pools a notebook may keep, worker threads and child processes, keep one contract: the
 * same size limit and error, the same states, `close()` that lets running tasks finish and
 * `destroy()` that stops them, and the same error for a call after either.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createProcessPool, createThreadPool, sleep, type ProcessPool, type ThreadPool } from "conclab";
import { MAX_POOL_SIZE, portable, taskSource, type ChildProcessPool, type TaskMessage, type WorkerThreadPool } from "conclab/internal";

const message = (task: (...args: never[]) => unknown, args: readonly unknown[]): TaskMessage => ({ task: portable(taskSource(task)), args, copy: 0 });

/** The pools' task call is not public: a notebook lends a pool to compare() or run(). */
const runOn = (pool: ThreadPool | ProcessPool, task: (...args: never[]) => unknown, args: readonly unknown[]): Promise<unknown> =>
  (pool as WorkerThreadPool | ChildProcessPool).run(message(task, args));

const kinds = [
  { kind: "thread", unit: "threads", create: (size: number): ThreadPool | ProcessPool => createThreadPool(size), factory: "createThreadPool" },
  { kind: "process", unit: "child processes", create: (size: number): ThreadPool | ProcessPool => createProcessPool(size), factory: "createProcessPool" },
] as const;

describe("both pools keep one contract", () => {
  for (const { kind, unit, create, factory } of kinds) {
    describe(`the ${kind} pool`, () => {
      it(`takes 1 to ${MAX_POOL_SIZE} ${unit}, and says so`, () => {
        for (const size of [0, MAX_POOL_SIZE + 1, 1.5]) {
          assert.throws(() => create(size), {
            name: "RangeError",
            message: new RegExp(`^size must be an integer from 1 to ${MAX_POOL_SIZE}, got ${size} \\(number\\); pass how many ${unit} to start`),
          });
        }
      });

      it("close() lets a running task finish, then takes no more; destroy() after it is harmless", async () => {
        const pool = create(1);
        try {
          assert.equal(pool.state, "open");
          const running = runOn(pool, sleep, [300]);
          await sleep(100);
          const closed = pool.close();
          assert.equal(pool.state, "closing");
          assert.equal(pool.close(), closed, "a second close() waits for the first");
          await assert.rejects(Promise.resolve().then(() => runOn(pool, sleep, [1])), {
            message: `this ${kind} pool is closing and runs no more tasks; create a new one with ${factory}()`,
          });
          assert.equal(((await running) as { result: unknown }).result, 300, "the running task finished");
          await closed;
          assert.equal(pool.state, "closed");
        } finally {
          await pool.destroy();
        }
        assert.equal(pool.state, "closed", "destroy() after close() changes nothing");
      });

      it("destroy() stops a running task at once", async () => {
        const pool = create(1);
        const forever = (): void => {
          for (;;);
        };
        const running = runOn(pool, forever, []);
        running.catch(() => undefined);
        await sleep(200);
        await pool.destroy();
        assert.equal(pool.state, "destroyed");
        await assert.rejects(running, { message: `task forever was stopped: its ${kind} pool was destroyed while it ran` });
        await assert.rejects(Promise.resolve().then(() => runOn(pool, sleep, [1])), { message: new RegExp(`this ${kind} pool is destroyed`) });
      });

      it("close() gives up on a task that outlives its timeout and stops it", async () => {
        const pool = create(1);
        const forever = (): void => {
          for (;;);
        };
        const running = runOn(pool, forever, []);
        running.catch(() => undefined);
        await sleep(200);
        await pool.close({ timeoutMs: 300 });
        assert.equal(pool.state, "closed");
        await assert.rejects(running, { message: `task forever was stopped: its ${kind} pool was closed while it ran` });
      });
    });
  }
});
