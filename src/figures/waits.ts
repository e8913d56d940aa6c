import type { Figure } from "./figure";
import { strategyColor } from "./style";

/** Total wall time of each batch of concurrent waits on one thread, a bar per batch size. */
export function waitsFigure(points: readonly { readonly copies: number; readonly wallMs: number }[], waitMs: number): Figure {
  if (points.length === 0) throw new RangeError("points must hold at least one batch; measure with concurrentWaits() first");
  return {
    data: [
      {
        type: "bar",
        x: points.map((p) => `${p.copies.toLocaleString("en-US")} waits`),
        y: points.map((p) => p.wallMs),
        text: points.map((p) => `${p.wallMs.toFixed(0)} ms`),
        textposition: "outside",
        marker: { color: strategyColor("async") },
      },
    ],
    layout: {
      title: { text: `Concurrent ${waitMs} ms waits on one thread: total wall time` },
      xaxis: { title: { text: "concurrent tasks" } },
      yaxis: { title: { text: "wall time (ms)" }, rangemode: "tozero" },
      height: 380,
    },
  };
}
