/** An exercise's check in a cell: passed or not yet, and what to change. */
import type { ExerciseResult } from "../src/course/exercises";
import { escapeHtml } from "./html";
import { sendBundle, type MimeBundle } from "./tslab-channel";

export function exerciseBundle(result: ExerciseResult): MimeBundle {
  const mark = result.passed ? "✔" : "✘";
  return {
    "text/plain": `${mark} Exercise, ${result.exercise}: ${result.message}`,
    "text/html":
      `<div class="conclab-exercise" style="border-left:4px solid ${result.passed ? "#54a24b" : "#f58518"};padding:4px 10px;margin:4px 0">` +
      `<b>${mark} Exercise, ${escapeHtml(result.exercise)}</b><br>${escapeHtml(result.message)}</div>`,
  };
}

/** Shows the outcome of an exercise's check. */
export function showCheck(result: ExerciseResult): void {
  const bundle = exerciseBundle(result);
  if (!sendBundle(bundle)) process.stdout.write(`${String(bundle["text/plain"])}\n`);
}
