/**
 * A job's data and its result travel through the queue's server as JSON (BullMQ stores them as
 * strings): a value JSON changes (a Map, a Set, undefined, a BigInt, a class instance, a cycle)
 * would arrive as something else, so it is refused with an error that says what and why.
 */
import { isDeepStrictEqual } from "node:util";
import { describeValue } from "../errors";

/** Why `value` does not come back equal through JSON, or null when it does. */
export function jsonProblem(value: unknown): string | null {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return (error as Error).message;
  }
  if (text === undefined) return `${describeValue(value)} has no JSON form`;
  return isDeepStrictEqual(JSON.parse(text), value) ? null : `${describeValue(value)} comes back from JSON as ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
}

export const JSON_FIX = "a job's data and result travel through the queue's server as JSON: use numbers, strings, booleans, null, arrays and plain objects";
