/**
 * The `text/html` fallback of a figure, for nbconvert handouts and front ends without the plotly
 * MIME renderer: a div and a script that draws into it with plotly.js, offline (no CDN).
 *
 * plotly.js is inlined once per kernel, in the first figure's HTML; later figures rely on the
 * `window.Plotly` it defined. The bundle is wrapped in a function that hides `define`, `module`
 * and `exports`, so an AMD loader (require.js in nbconvert's templates) or a CommonJS shim on the
 * page cannot capture it and leave `Plotly` undefined.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Figure } from "../src/index";

/** npm package of the plotly.js build that is inlined: bar, scatter and pie, about 1.1 MB. */
export const PLOTLY_BUNDLE_PACKAGE = "plotly.js-basic-dist-min";

let libraryInlined = false;

function plotlyLibraryScript(): string {
  const source = readFileSync(require.resolve(PLOTLY_BUNDLE_PACKAGE), "utf8");
  return `<script type="text/javascript">(function(){var define,module,exports;\n${source}\n})();</script>`;
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Forgets that plotly.js was already inlined (a new notebook run in the same process). */
export function resetPlotlyInlining(): void {
  libraryInlined = false;
}

export function figureHtml(figure: Figure): string {
  const id = `conclab-plot-${randomBytes(6).toString("hex")}`;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 420;
  const library = libraryInlined ? "" : plotlyLibraryScript();
  libraryInlined = true;
  const config = { responsive: true, displaylogo: false, ...(figure.config ?? {}) };
  const draw =
    `<script type="text/javascript">(function(){` +
    `var el=document.getElementById(${scriptJson(id)});` +
    `if(!window.Plotly){el.textContent="plotly.js did not load: run the notebook's first plot cell again";return;}` +
    `window.Plotly.newPlot(el,${scriptJson(figure.data)},${scriptJson(figure.layout)},${scriptJson(config)});` +
    `})();</script>`;
  return `${library}<div id="${id}" class="conclab-plot" style="width:100%;height:${height}px"></div>${draw}`;
}
