import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calibrate, compare, countPrimes, countTo, httpGet, loopLag, measureMemory, readFileTask, run, sleep, startDelayServer } from "conclab";

type Case = readonly [title: string, call: () => Promise<unknown>, name: "TypeError" | "RangeError" | "StrategyUnavailableError", message: RegExp];
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
  ["an unknown strategy", () => compare({ ...base, strategies: untyped(["fibers"]) }), "RangeError", /^options\.strategies\[0\] must be one of sequential, eventLoop, threads, processes, async, python/],
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
