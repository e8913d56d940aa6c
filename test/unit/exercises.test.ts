/** Exercise checks judge what the reader's answer does when it runs, not how it is written. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkTaskOnThreads } from "conclab";
import { exerciseBundle } from "conclab/kernel/internal";

const step = 3;

describe("the exercise: a task that runs on worker threads", () => {
  it("a task that uses a notebook name is not yet an answer, and the check says which name and what to do", async () => {
    const countBySteps = (limit: number): number => {
      let i = 0;
      while (i < limit) i += step;
      return i;
    };
    const result = await checkTaskOnThreads(countBySteps, [300], 300);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*`step` from outside.*pass values as arguments/);
    assert.match(String(exerciseBundle(result)["text/plain"]), /^✘ Exercise, a task that runs on worker threads: Not yet/);
  });

  it("the same task taking the name as an argument passes", async () => {
    const countBySteps = (limit: number, by: number): number => {
      let i = 0;
      while (i < limit) i += by;
      return i;
    };
    const result = await checkTaskOnThreads(countBySteps, [300, 3], 300);
    assert.deepEqual(result, { exercise: "a task that runs on worker threads", passed: true, message: "Done: both copies ran on worker threads and returned 300." });
  });

  it("a task that runs but returns the wrong value is not yet an answer", async () => {
    const result = await checkTaskOnThreads((limit: number, by: number) => limit * by, [300, 3], 300);
    assert.equal(result.passed, false);
    assert.match(result.message, /returned 900 where 300 was expected/);
  });

  it("a task that throws on the thread is not yet an answer, with the thread's error", async () => {
    const result = await checkTaskOnThreads((): number => {
      throw new Error("boom");
    }, [], 1);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*boom/);
  });
});
