import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortError, countTo, run, sleep, StrategyUnavailableError, TaskError, TaskTimeoutError } from "conclab";

describe("strategies on the kernel's own thread", () => {
  it("sequential runs copies one after another on the main lane", async () => {
    const result = await run({ strategy: "sequential", task: countTo, args: [200_000], copies: 3 });
    assert.deepEqual(result.results, [200_000, 200_000, 200_000]);
    assert.deepEqual(result.spans.map((s) => s.lane), ["main", "main", "main"]);
    assert.deepEqual(result.spans.map((s) => s.pid), [process.pid, process.pid, process.pid]);
    for (let i = 1; i < 3; i++) assert.ok(result.spans[i]!.startMs >= result.spans[i - 1]!.endMs, "copy i starts after copy i-1 ended");
  });

  it("eventLoop starts every copy together, yet CPU work still runs one copy at a time", async () => {
    const result = await run({ strategy: "eventLoop", task: countTo, args: [200_000], copies: 3 });
    const spans = [...result.spans].sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.startMs >= spans[i - 1]!.endMs, "no two CPU copies overlap on one thread");
  });

  it("eventLoop and async let waiting copies overlap on one thread", async () => {
    for (const strategy of ["eventLoop", "async"] as const) {
      const result = await run({ strategy, task: sleep, args: [150], copies: 4 });
      const latestStart = Math.max(...result.spans.map((s) => s.startMs));
      const earliestEnd = Math.min(...result.spans.map((s) => s.endMs));
      assert.ok(latestStart < earliestEnd, `${strategy}: every copy started before any finished`);
      assert.deepEqual(new Set(result.spans.map((s) => s.lane)), new Set(["main"]));
    }
  });

  it("async refuses a synchronous task and says which strategy shows it", async () => {
    await assert.rejects(run({ strategy: "async", task: countTo, args: [10] }), (error: unknown) => {
      assert.ok(error instanceof StrategyUnavailableError);
      assert.match(error.message, /strategy async runs awaitable tasks .* countTo returned number.*use eventLoop/);
      return true;
    });
  });

  it("a throwing task becomes a TaskError naming task and strategy, with the cause", async () => {
    const failing = (n: number): number => {
      if (n > 0) throw new RangeError("too big");
      return n;
    };
    await assert.rejects(run({ strategy: "sequential", task: failing, args: [1], warmup: 0 }), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.equal(error.message, "task failing failed on strategy sequential: too big");
      assert.ok((error.cause as Error).name === "RangeError");
      return true;
    });
  });

  it("an awaitable task over its timeout fails with TaskTimeoutError", async () => {
    await assert.rejects(run({ strategy: "async", task: sleep, args: [5_000], timeoutMs: 200, warmup: 0 }), (error: unknown) => {
      assert.ok(error instanceof TaskTimeoutError);
      assert.match(error.message, /task sleep failed on strategy async: no result after 200 ms/);
      return true;
    });
  });

  it("an aborted signal stops a waiting run with AbortError", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(run({ strategy: "eventLoop", task: sleep, args: [5_000], copies: 2, warmup: 0, signal: controller.signal }), AbortError);
  });
});
