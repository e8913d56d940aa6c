/**
 * conclab/kernel/internal: the kernel adapter's parts without its hooks (importing conclab/kernel
 * installs SIGINT and shutdown handlers in the importing process), for tests. Not for notebooks.
 */
export { show, figureBundle } from "./show";
export { table, tableBundle } from "./table";
export { progressBundle, cellProgressSink } from "./progress";
export { resetPlotlyInlining, figureHtml } from "./plotly-html";
export { escapeHtml } from "./html";
export { predictionBundle, outcomeBundle } from "./questions";
export { exerciseBundle } from "./exercises";
export { displayBundle } from "./tslab-channel";
