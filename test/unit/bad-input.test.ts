import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calibrate, compare, countPrimes, countTo, httpGet, loopLag, makeTestFile, measureMemory, measureStartup, raiseFileLimit, readFileTask, run, sleep, startDelayServer, type Figure } from "conclab";
import { NODE_STRATEGIES, PYTHON_STRATEGIES } from "conclab/internal";
// Without the hooks: conclab/kernel would install the kernel's signal handlers in this process.
import { show, table } from "conclab/kernel/internal";

type Case = readonly [title: string, call: () => Promise<unknown>, name: "TypeError" | "RangeError" | "StrategyUnavailableError" | "TaskError", message: RegExp];
const untyped = (value: unknown): never => value as never;
const base = { task: countTo, args: [1000] as [number], copies: 2 };
const captured = 3;

const cases: readonly Case[] = [
  ["compare without options", () => compare(untyped(undefined)), "TypeError", /^options must be an object/],
  ["a task that is not a function", () => compare(untyped({ ...base, task: "countTo" })), "TypeError", /^options\.task must be a function .*got "countTo" \(string\)/],
  ["a closure-capturing user task", () => compare({ ...base, task: (n: number) => n + captured }), "RangeError", /^options\.task must be a self-contained function.*`captured`/],
  ["args that are not an array", () => compare({ ...base, args: untyped(1000) }), "TypeError", /^options\.args must be an array/],
  ["a negative size", () => compare({ ...base, args: [-5] }), "RangeError", /^args\[0\] \(n, how far countTo counts\) must be an integer from 0 to 1000000000000, got -5 \(number\)/],
  ["NaN as size", () => compare({ ...base, args: [Number.NaN] }), "RangeError", /got NaN \(number\)/],
  ["Infinity as size", () => compare({ ...base, args: [Number.POSITIVE_INFINITY] }), "RangeError", /got Infinity \(number\)/],
  ["a huge size", () => compare({ ...base, args: [1e15] }), "RangeError", /got 1000000000000000 \(number\); calibrate\(countTo, \{ targetMs \}\)/],
  ["a string size", () => compare({ ...base, args: untyped(["1000"]) }), "TypeError", /got "1000" \(string\)/],
  ["a fractional prime limit", () => compare({ ...base, task: countPrimes, args: [10.5] }), "RangeError", /^args\[0\] \(limit/],
  ["zero copies", () => compare({ ...base, copies: 0 }), "RangeError", /^options\.copies must be an integer from 1 to 64, got 0 \(number\)/],
  ["too many copies for threads", () => compare({ ...base, copies: 1000 }), "RangeError", /^options\.copies must be an integer from 1 to 64, got 1000/],
  ["an unknown strategy", () => compare({ ...base, strategies: untyped(["fibers"]) }), "RangeError", new RegExp(`^options\\.strategies\\[0\\] must be one of ${[...NODE_STRATEGIES, "python", ...PYTHON_STRATEGIES].join(", ")}, got "fibers"`)],
  ["no strategies", () => compare({ ...base, strategies: [] }), "TypeError", /^options\.strategies must be a non-empty array/],
  ["zero repeats", () => compare({ ...base, repeats: 0 }), "RangeError", /^options\.repeats must be an integer from 1 to 100, got 0/],
  ["a negative warm-up", () => compare({ ...base, warmup: -1 }), "RangeError", /^options\.warmup must be an integer from 0 to 20/],
  ["a signal that is not an AbortSignal", () => compare({ ...base, signal: untyped({ aborted: false }) }), "TypeError", /^options\.signal must be an AbortSignal/],
  ["run with plain python", () => run({ ...base, strategy: untyped("python") }), "RangeError", /^options\.strategy must name one Python mode/],
  ["run with a zero timeout", () => run({ ...base, strategy: "sequential", timeoutMs: 0 }), "RangeError", /^options\.timeoutMs must be an integer from 1/],
  ["httpGet without a URL", () => run({ strategy: "async", task: httpGet, args: untyped([42]) }), "TypeError", /^args\[0\] \(url\) must be an http:\/\/ URL, got 42 \(number\); start a server with startDelayServer\(\)/],
  ["readFileTask with an empty path", () => run({ strategy: "async", task: readFileTask, args: [""] }), "TypeError", /^args\[0\] \(path\) must be a file path/],
  ["sleep for a negative time", () => run({ strategy: "async", task: sleep, args: [-1] }), "RangeError", /^args\[0\] \(ms, how long sleep waits\)/],
  ["calibrate a non-function", () => calibrate(untyped(null), { targetMs: 10 }), "TypeError", /^task must be a function/],
  ["calibrate with a NaN target", () => calibrate(countTo, { targetMs: Number.NaN }), "RangeError", /^options\.targetMs must be an integer from 1 to 60000, got NaN/],
  ["calibrate without options", () => calibrate(countTo, untyped(undefined)), "TypeError", /^options must be an object like \{ targetMs: 500 \}/],
  ["measureMemory of an unknown unit", () => measureMemory(untyped("fibers"), 10), "RangeError", /^strategy must be one of "async", "threads", "processes", got "fibers"/],
  ["measureMemory of 0 threads", () => measureMemory("threads", 0), "RangeError", /^count must be an integer from 1 to 64, got 0/],
  ["measureMemory of a million processes", () => measureMemory("processes", 1e6), "RangeError", /^count must be an integer from 1 to 64/],
  ["loopLag of a non-function", () => loopLag(untyped(5)), "TypeError", /^fn must be a function/],
  ["a delay server with a negative delay", () => startDelayServer({ delayMs: -1 }), "RangeError", /^options\.delayMs must be an integer from 0/],
  // show, table, measureStartup, raiseFileLimit and more of the tasks
  ["show without a figure", async () => show(untyped(undefined)), "TypeError", /^figure must be an object with a data array and a layout object, got undefined;/],
  ["show with data that is not an array", async () => show(untyped({ data: "bar", layout: {} })), "TypeError", /^figure must be an object with a data array/],
  ["show with a null layout", async () => show(untyped({ data: [], layout: null })), "TypeError", /^figure\.layout must be an object, got null;/],
  ["show with a trace that is a number", async () => show(untyped({ data: [1], layout: {} }) as Figure), "TypeError", /^figure\.data\[0\] must be a trace object .*got 1 \(number\);/],
  ["table of a string", async () => table(untyped("rows")), "TypeError", /^rows must be an array of objects .*got "rows" \(string\);/],
  ["table with a row that is null", async () => table(untyped([null])), "TypeError", /^rows\[0\] must be an object mapping column names to values, got null;/],
  ["table with columns that are not an array", async () => table([{ a: 1 }], { columns: untyped("a") }), "TypeError", /^options\.columns must be an array of column names/],
  ["table with null options", async () => table([{ a: 1 }], untyped(null)), "TypeError", /^options must be an object like \{ columns, caption \}, got null;/],
  ["table with a caption that is a number", async () => table([{ a: 1 }], { caption: untyped(5) }), "TypeError", /^options\.caption must be a string, got 5 \(number\);/],
  ["measureStartup of an unknown unit", () => measureStartup(untyped("fibers")), "RangeError", /^strategy must be one of "async", "threads", "processes", got "fibers" \(string\);/],
  ["measureStartup with NaN samples", () => measureStartup("threads", Number.NaN), "RangeError", /^samples must be an integer from 1 to 1000, got NaN \(number\);/],
  ["measureStartup with a billion samples", () => measureStartup("processes", 1e9), "RangeError", /^samples must be an integer from 1 to 1000, got 1000000000 \(number\);/],
  ["raiseFileLimit with NaN", async () => raiseFileLimit(Number.NaN), "RangeError", /^wanted must be an integer from 1 to \d+, got NaN \(number\);/],
  ["raiseFileLimit with a string", async () => raiseFileLimit(untyped("10000")), "TypeError", /^wanted must be an integer .*got "10000" \(string\);/],
  ["raiseFileLimit with Infinity", async () => raiseFileLimit(Number.POSITIVE_INFINITY), "RangeError", /^wanted must be an integer .*got Infinity \(number\);/],
  ["raiseFileLimit with a negative count", async () => raiseFileLimit(-1), "RangeError", /^wanted must be an integer .*got -1 \(number\);/],
  ["calibrate a closure-capturing task", () => calibrate((n: number) => n + captured, { targetMs: 5 }), "RangeError", /^task must be a self-contained function.*`captured`/],
  ["calibrate with a negative target", () => calibrate(countTo, { targetMs: -10 }), "RangeError", /^options\.targetMs must be an integer from 1 to 60000, got -10/],
  ["measureMemory of Infinity tasks", () => measureMemory("async", Number.POSITIVE_INFINITY), "RangeError", /^count must be an integer from 1 to 1000000, got Infinity/],
  ["run with an unknown strategy", () => run({ strategy: untyped("fibers"), task: countTo, args: [10] }), "RangeError", /^options\.strategy must be one of sequential, eventLoop/],
  ["run with a non-array of arguments for a user task", () => run({ strategy: "sequential", task: (n: number) => n, args: untyped("1") }), "TypeError", /^options\.args must be an array/],
  ["httpGet of an https URL", () => run({ strategy: "async", task: httpGet, args: ["https://example.org/"] }), "TypeError", /^args\[0\] \(url\) must be an http:\/\/ URL/],
  ["makeTestFile of a negative size", () => makeTestFile(-1), "RangeError", /^bytes must be an integer from 0 to \d+, got -1/],
  ["a delay server in a child process asked with a string", () => startDelayServer({ inChildProcess: untyped("yes") }), "TypeError", /^options\.inChildProcess must be true or false, got "yes" \(string\);/],
  ["a delay server with null options", () => startDelayServer(untyped(null)), "TypeError", /^options must be an object like \{ delayMs: 100 \}, got null;/],
  ["a thread task whose result cannot be cloned back", () => run({ strategy: "threads", task: function makeSymbol() { return Symbol("x"); }, args: [], warmup: 0 }), "TaskError", /^task makeSymbol failed on strategy threads: task makeSymbol returned a symbol, which cannot be sent back/],
  ["a process task whose result cannot be cloned back", () => run({ strategy: "processes", task: function makeFn() { return () => 1; }, args: [], warmup: 0 }), "TaskError", /^task makeFn failed on strategy processes: .*function/],
];

describe("bad input is refused with the parameter, the value and the fix", () => {
  for (const [title, call, name, message] of cases) {
    it(title, async () => {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof Error, "an Error");
        assert.equal(error.name, name);
        assert.match(error.message, message);
        assert.match(error.message, /;/, "the message goes on to say what to do");
        return true;
      });
    });
  }
});
