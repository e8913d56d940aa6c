/**
 * Turns a task's source text back into a function, in whatever context runs it (the main thread,
 * a worker thread, a child process). Every strategy runs the task built this way from the same
 * text, so no strategy gets a differently compiled copy of it. Kept free of heavy imports: worker
 * threads and child processes load it.
 */

/** What travels to a worker or a process: the text of the task and a key to cache it by. */
export interface TaskSourceData {
  readonly name: string;
  readonly source: string;
  readonly key: string;
}

export type AnyTask = (...args: unknown[]) => unknown;

const cache = new Map<string, AnyTask>();

/** Whether `source` is a method written in shorthand (`name(a) { … }`), which is not an expression. */
function isShorthandMethod(source: string): boolean {
  return !/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>|class\b)/.test(source.trim());
}

/**
 * Builds the task function from its source. `require` is the only outside name it can use (for
 * Node's built-in modules); everything else must come in as arguments.
 */
export function instantiate(task: TaskSourceData): AnyTask {
  const cached = cache.get(task.key);
  if (cached) return cached;
  const expression = isShorthandMethod(task.source) ? `({${task.source}})[${JSON.stringify(task.name)}]` : `(${task.source})`;
  const factory = new Function("require", `"use strict"; return ${expression};`) as (req: NodeRequire) => AnyTask;
  const fn = factory(require);
  if (typeof fn !== "function") throw new TypeError(`task ${task.name}: its source did not evaluate to a function`);
  cache.set(task.key, fn);
  return fn;
}
