import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countTo, httpGet } from "conclab";
import { freeVariables, instantiate, taskSource } from "conclab/internal";

describe("a task's source", () => {
  it("built-in tasks carry their kind and Python twin, and rebuild into working functions", () => {
    const source = taskSource(countTo);
    assert.equal(source.name, "countTo");
    assert.equal(source.kind, "cpu");
    assert.equal(source.python, "count_to");
    assert.equal(instantiate(source)(1234), 1234);
    assert.equal(taskSource(httpGet).kind, "io");
  });

  it("a user's self-contained function travels, and is read once", () => {
    const square = (x: number): number => x * x;
    const source = taskSource(square);
    assert.equal(source.kind, "unknown");
    assert.equal(instantiate(source)(7), 49);
    assert.equal(taskSource(square), source);
  });

  it("shorthand methods and async functions rebuild too", () => {
    const holder = { twice(n: number): number { return 2 * n; } };
    assert.equal(instantiate(taskSource(holder.twice))(21), 42);
    const later = async (n: number): Promise<number> => n + 1;
    return (instantiate(taskSource(later))(1) as Promise<number>).then((v) => assert.equal(v, 2));
  });

  it("a closure over an outside variable is refused with the names and the fix", () => {
    const limit = 10;
    const offset = 2;
    assert.throws(() => taskSource(function capped(n: number) { return Math.min(n, limit) + offset; }), {
      name: "RangeError",
      message: /^task must be a self-contained function, got a function named capped; it uses `limit`, `offset` from outside\..*pass values as arguments/,
    });
  });

  it("explains tslab's compiled names for imports and other cells' variables", () => {
    const conclab_1 = { countTo };
    assert.throws(() => taskSource(function viaImport(n: number) { return conclab_1.countTo(n); }), {
      message: /`conclab_1` is how tslab compiles an import or a variable of another cell/,
    });
  });

  it("globals, require and the function's own names are not outside variables", () => {
    assert.deepEqual(freeVariables("function f(a) { const fs = require('node:fs'); let b = Math.max(a, 1); for (const x of [b]) b += x; return JSON.stringify({ b, t: setTimeout }); }"), []);
    assert.deepEqual(freeVariables("(a) => a + missing"), ["missing"]);
  });

  it("refuses what is not a function, native functions and classes", () => {
    assert.throws(() => taskSource(42), { name: "TypeError", message: /^task must be a function .*, got 42 \(number\); pass the function itself/ });
    assert.throws(() => taskSource(Math.max), { name: "TypeError", message: /native and bound functions have no source/ });
    assert.throws(() => taskSource(((n: number) => n).bind(null)), { name: "TypeError", message: /native and bound functions/ });
    assert.throws(() => taskSource(class Job {}), { name: "TypeError", message: /classes cannot run as tasks/ });
  });
});
