import { installKernelHooks } from "./hooks";

export { show, figureBundle, PLOTLY_MIME } from "./show";
export { table, tableBundle, type Row, type TableOptions } from "./table";
export { showClaims } from "./claims";
export { predict, reveal, predictionBundle, outcomeBundle } from "./questions";
export { showCheck, exerciseBundle } from "./exercises";
export { progressBundle, SHOW_AFTER_MS } from "./progress";
export { tslabVersions, inKernel, TSLAB_VERSION, type MimeBundle } from "./tslab-channel";
export { PLOTLY_BUNDLE_PACKAGE } from "./plotly-html";

installKernelHooks();
