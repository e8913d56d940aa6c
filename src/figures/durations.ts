import { median } from "../measure/stats";
import type { Figure } from "./figure";

/**
 * Each run's duration as a point, in the order the runs happened, with the median as a line:
 * the plot that shows how much the same work varies on this machine.
 */
export function durationsFigure(durationsMs: readonly number[], title: string): Figure {
  if (durationsMs.length === 0) {
    throw new RangeError("durationsMs must hold at least one duration; time the task before plotting it");
  }
  const runs = durationsMs.map((_, i) => i + 1);
  const mid = median(durationsMs);
  return {
    data: [
      { type: "scatter", mode: "markers", name: "one run", x: runs, y: durationsMs, marker: { size: 9 } },
      { type: "scatter", mode: "lines", name: `median ${mid.toFixed(1)} ms`, x: [1, runs.length], y: [mid, mid], line: { dash: "dash" } },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "run (in the order they ran)" }, dtick: 1 },
      yaxis: { title: { text: "wall time (ms)" }, rangemode: "tozero" },
      height: 360,
    },
  };
}
