import { typeError, type Figure } from "../src/index";
import { figureHtml } from "./plotly-html";
import { displayBundle, type MimeBundle } from "./tslab-channel";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

function titleOf(figure: Figure): string {
  const title = figure.layout.title;
  if (typeof title === "string") return title;
  return title?.text ?? "untitled figure";
}

function assertFigure(figure: unknown): asserts figure is Figure {
  const candidate = figure as Partial<Figure> | null;
  if (typeof candidate !== "object" || candidate === null || !Array.isArray(candidate.data)) {
    throw new TypeError(
      `figure must be an object with a data array and a layout object, got ${figure === null ? "null" : typeof figure}; build one with a conclab figure function`,
    );
  }
  if (typeof candidate.layout !== "object" || candidate.layout === null || Array.isArray(candidate.layout)) {
    throw typeError("figure.layout", "an object", candidate.layout, "pass { data, layout }");
  }
  candidate.data.forEach((trace: unknown, i: number) => {
    if (typeof trace !== "object" || trace === null || Array.isArray(trace)) {
      throw typeError(`figure.data[${i}]`, "a trace object such as { type: \"bar\", x, y }", trace, "build the figure with a conclab figure function");
    }
  });
}

/** The MIME bundle of a figure: plotly JSON for JupyterLab, offline HTML for handouts, a text line for the rest. */
export function figureBundle(figure: Figure): MimeBundle {
  assertFigure(figure);
  const plain = `${titleOf(figure)} (plotly figure, ${figure.data.length} trace${figure.data.length === 1 ? "" : "s"})`;
  return {
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout, ...(figure.config ? { config: figure.config } : {}) },
    "text/html": figureHtml(figure),
    "text/plain": plain,
  };
}

/**
 * Displays a figure in the cell as one `display_data` message holding three MIME types. Outside a
 * kernel (a plain script) it prints the one-line text summary instead.
 */
export function show(figure: Figure): void {
  displayBundle(figureBundle(figure));
}
