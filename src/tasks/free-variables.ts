/**
 * Finds the outside names a function's source uses (free variables). A task runs in other threads
 * and processes, where only globals exist: a closure over a notebook variable cannot travel, the
 * same rule as pickling in Python's multiprocessing.
 */
import { parse } from "acorn";
import { analyze } from "eslint-scope";
import * as vm from "node:vm";

/** Names every context that runs a task has: the language's globals, Node's, and `require`. */
const ALLOWED = new Set<string>([
  ...(vm.runInNewContext("Object.getOwnPropertyNames(globalThis)") as string[]),
  "require", "console", "process", "Buffer", "setTimeout", "clearTimeout", "setInterval", "clearInterval",
  "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone", "performance", "fetch", "URL",
  "URLSearchParams", "TextEncoder", "TextDecoder", "AbortController", "AbortSignal", "Blob", "crypto",
  "atob", "btoa", "MessageChannel", "BroadcastChannel", "Event", "EventTarget", "undefined", "globalThis",
]);

function parseFunction(source: string): ReturnType<typeof parse> {
  const options = { ecmaVersion: 2022 as const, sourceType: "script" as const, ranges: true };
  try {
    return parse(`(${source})`, options);
  } catch {
    return parse(`({${source}})`, options); // a shorthand method: `name(a) { … }`
  }
}

/**
 * The outside names `source` uses, sorted. Throws a SyntaxError when the source is not a parseable
 * function (native or bound functions print `[native code]`).
 */
export function freeVariables(source: string): string[] {
  const ast = parseFunction(source);
  const scopes = analyze(ast as unknown as Parameters<typeof analyze>[0], { ecmaVersion: 2022, sourceType: "script" });
  const names = new Set<string>();
  for (const reference of scopes.globalScope?.through ?? []) {
    const name = reference.identifier.name;
    if (!ALLOWED.has(name)) names.add(name);
  }
  return [...names].sort();
}
