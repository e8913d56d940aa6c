/**
 * A plotly figure as plain data: what `Plotly.newPlot(div, data, layout, config)` takes and what
 * the `application/vnd.plotly.v1+json` MIME type carries. No DOM, no plotly.js needed to build one.
 */
export interface Figure {
  readonly data: readonly Trace[];
  readonly layout: Layout;
  readonly config?: Readonly<Record<string, unknown>>;
}

/** One plotly trace; `type` names the chart (`bar`, `scatter`, …), the rest is plotly's trace schema. */
export interface Trace {
  readonly type: "bar" | "scatter" | "pie";
  readonly [attribute: string]: unknown;
}

/** A plotly layout: title, axes, size, shapes… (plotly's layout schema). */
export interface Layout {
  readonly title?: { readonly text: string } | string;
  readonly [attribute: string]: unknown;
}
