export { show, figureBundle, PLOTLY_MIME } from "./show";
export { tslabVersions, inKernel, TSLAB_VERSION, type MimeBundle } from "./tslab-channel";
export { PLOTLY_BUNDLE_PACKAGE } from "./plotly-html";
