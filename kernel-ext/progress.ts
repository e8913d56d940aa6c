/**
 * The live progress bar of a long experiment: one display in the cell, updated in place
 * (update_display_data on one display id), that ends as a one-line summary.
 */
import { randomBytes } from "node:crypto";
import type { ProgressReport, ProgressSink } from "../src/index";
import { sendBundle, type MimeBundle } from "./tslab-channel";
import { escapeHtml } from "./html";

/** Show nothing for experiments shorter than this; they end before a bar helps. */
export const SHOW_AFTER_MS = 1000;
/** Most updates per second sent to the front end. */
const MIN_UPDATE_INTERVAL_MS = 250;


function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The bundle of one state of the bar (or of the final summary line). */
export function progressBundle(report: ProgressReport): MimeBundle {
  if (report.summary !== undefined) {
    return {
      "text/plain": report.summary,
      "text/html": `<div class="conclab-progress-summary" style="font-family:monospace;font-size:12px">${escapeHtml(report.summary)}</div>`,
    };
  }
  const percent = Math.max(0, Math.min(100, Math.round(report.fraction * 100)));
  const eta = report.remainingMs === undefined ? "" : `, about ${seconds(report.remainingMs)} left`;
  const text = `${report.label}: ${report.detail} (${seconds(report.elapsedMs)} elapsed${eta})`;
  const filled = Math.round(percent / 5);
  return {
    "text/plain": `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${percent}% ${text}`,
    "text/html":
      `<div class="conclab-progress" style="font-family:monospace;font-size:12px">` +
      `<div style="display:inline-block;vertical-align:middle;width:200px;height:10px;background-color:#e5e5e5;margin-right:8px">` +
      `<div style="width:${percent}%;height:10px;background-color:#4c78a8"></div></div>${percent}% ${escapeHtml(text)}</div>`,
  };
}

/**
 * A progress sink that draws into the running cell. Before SHOW_AFTER_MS nothing is shown; a
 * bar that was shown is replaced by the summary at the end. Outside a kernel it falls back to
 * `fallback` (plain lines on stderr).
 */
export function cellProgressSink(fallback: ProgressSink): ProgressSink {
  const displayId = randomBytes(8).toString("hex");
  let shown = false;
  let lastUpdate = 0;
  return (report) => {
    if (!shown && report.elapsedMs < SHOW_AFTER_MS) return;
    const now = Date.now();
    if (report.summary === undefined && shown && now - lastUpdate < MIN_UPDATE_INTERVAL_MS) return;
    lastUpdate = now;
    if (!sendBundle(progressBundle(report), { displayId, update: shown })) {
      fallback(report);
      return;
    }
    shown = true;
  };
}
