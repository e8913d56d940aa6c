/**
 * The library's public face stays small: conclab holds the library (tasks, strategies, compare,
 * measurement, figures), conclab/course the course, conclab/kernel the tslab adapter. Counting the
 * runtime names each entry exports keeps course content from creeping back into the library.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

/** Most runtime names each entry may export (types are free: tslab shows them to readers). */
const LIMITS = { conclab: 60, "conclab/course": 40, "conclab/kernel": 20 } as const;

describe("the public entries", () => {
  for (const [entry, limit] of Object.entries(LIMITS)) {
    it(`${entry} exports at most ${limit} runtime names`, () => {
      const names = Object.keys(require(entry) as object);
      assert.ok(names.length > 0, `${entry} exports something`);
      assert.ok(names.length <= limit, `${entry} exports ${names.length} runtime names (${names.join(", ")}); move what readers do not call into conclab/internal or a chapter's namespace`);
    });
  }

  it("the library exports no course content, and the course no library function", () => {
    const lib = new Set(Object.keys(require("conclab") as object));
    const course = Object.keys(require("conclab/course") as object);
    assert.deepEqual(course.filter((name) => lib.has(name)), [], "a name in both entries");
    for (const name of ["verdicts", "decision", "quick", "QUESTIONS", "saveResults", "gatherSections"]) assert.ok(!lib.has(name), `conclab exports ${name}, a course name`);
  });
});
