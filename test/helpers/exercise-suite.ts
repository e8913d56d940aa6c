/** The tests every exercise gets: its cases (exercise-cases.ts) on every CPU, then in a child pinned to one. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeMachine } from "conclab";
import { CASES, casesOf, meets, runCasesOnOneCpu, type CaseName } from "./exercise-cases";

/**
 * Every case of `chapter` (test/helpers/exercise-cases.ts) in this process, on every CPU the
 * machine gives it, then all of them in a child pinned to one CPU: each must give its verdict.
 */
export function onOneCpuAndOnAll(chapter: string): void {
  const names = casesOf(chapter);
  assert.ok(names.length >= 2, `chapter ${chapter} has cases`);
  describe(`on every CPU (${describeMachine().cores} here)`, () => {
    for (const name of names) {
      it(`${name}: ${String(CASES[name].expect)}`, async () => {
        const result = await CASES[name].run();
        assert.ok(meets(result.passed, CASES[name].expect), `${name}: expected ${String(CASES[name].expect)}, got ${String(result.passed)}: ${result.message}`);
      });
    }
  });
  it("on one CPU (a child pinned by taskset -c 0), the same verdicts", async () => {
    const pinned = await runCasesOnOneCpu(names);
    assert.equal(pinned.cores, 1, pinned.output);
    for (const name of names) {
      const result = pinned.results[name as CaseName];
      assert.ok(result, `${name} gave no result:\n${pinned.output}`);
      assert.ok(meets(result.passed, CASES[name].expect), `${name} on one CPU: expected ${String(CASES[name].expect)}, got ${String(result.passed)}: ${result.message}`);
    }
  });
}
