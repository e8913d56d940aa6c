/** An exercise's check in a cell: passed, not yet (and what to change), or not decided by this run. */
import type { ExerciseResult } from "../src/course/index";
import { escapeHtml } from "./html";
import { displayBundle, type MimeBundle } from "./tslab-channel";

export function exerciseBundle(result: ExerciseResult): MimeBundle {
  const mark = result.passed === true ? "✔" : result.passed === false ? "✘" : "?";
  return {
    "text/plain": `${mark} Exercise, ${result.exercise}: ${result.message}`,
    "text/html":
      `<div class="conclab-exercise" style="border-left:4px solid ${result.passed === true ? "#54a24b" : result.passed === false ? "#f58518" : "#9d9d9d"};padding:4px 10px;margin:4px 0">` +
      `<b>${mark} Exercise, ${escapeHtml(result.exercise)}</b><br>${escapeHtml(result.message)}</div>`,
  };
}

/** Shows the outcome of an exercise's check. */
export function showCheck(result: ExerciseResult): void {
  displayBundle(exerciseBundle(result));
}
