/**
 * Every error conclab throws on purpose. Validation errors are TypeError or RangeError whose
 * message names the parameter, the value received and the fix.
 */

/** How a received value reads in an error message: `0 (number)`, `"x" (string)`, `NaN (number)`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} (string)`;
  if (typeof value === "function") return `a function${value.name ? ` named ${value.name}` : ""}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${String(value)} (${typeof value})`;
}

/** A TypeError for a value of the wrong kind: `param must be expected, got value; fix`. */
export function typeError(param: string, expected: string, got: unknown, fix: string): TypeError {
  return new TypeError(`${param} must be ${expected}, got ${describeValue(got)}; ${fix}`);
}

/** A RangeError for a value of the right kind but out of range: `param must be expected, got value; fix`. */
export function rangeError(param: string, expected: string, got: unknown, fix: string): RangeError {
  return new RangeError(`${param} must be ${expected}, got ${describeValue(got)}; ${fix}`);
}

/** Checks that `value` is an integer within [min, max]; TypeError if not a number, RangeError otherwise. */
export function checkInteger(param: string, value: unknown, min: number, max: number, fix: string): number {
  const expected = `an integer from ${min} to ${max}`;
  if (typeof value !== "number") throw typeError(param, expected, value, fix);
  if (!Number.isInteger(value) || value < min || value > max) throw rangeError(param, expected, value, fix);
  return value;
}

/** A task failed while a strategy ran it. `cause` holds the original error. */
export class TaskError extends Error {
  override name = "TaskError";
  constructor(
    readonly task: string,
    readonly strategy: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`task ${task} failed on strategy ${strategy}: ${message}`, options);
  }
}

/** A task did not finish within its timeout; its worker or process was stopped. */
export class TaskTimeoutError extends TaskError {
  override name = "TaskTimeoutError";
  constructor(task: string, strategy: string, readonly timeoutMs: number) {
    super(task, strategy, `no result after ${timeoutMs} ms; its worker was stopped. Use a smaller size or raise timeoutMs`);
  }
}

/** The experiment was aborted through its AbortSignal (or an interrupted cell). */
export class AbortError extends Error {
  override name = "AbortError";
  constructor(message = "the experiment was aborted; its workers and child processes were stopped") {
    super(message);
  }
}

/** A strategy cannot run here or with this task (Python missing, a task without a Python twin…). */
export class StrategyUnavailableError extends RangeError {
  override name = "StrategyUnavailableError";
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}
