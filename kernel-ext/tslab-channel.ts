/**
 * The one place that reaches into tslab's internals. tslab's public `display` sends one MIME type
 * per message; its internal channel `lastWriteDisplayData` takes a whole MIME bundle. That name is
 * not public API, so the tslab version it was checked against is pinned here and in package.json,
 * and a test fails when they drift.
 */
import * as tslab from "tslab";

/** The tslab release whose internal display channel this module was written against. */
export const TSLAB_VERSION = "1.0.22";

/** A Jupyter MIME bundle: MIME type → data (JSON-able). */
export type MimeBundle = Readonly<Record<string, unknown>>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

function jupyterModule(): TslabJupyterModule {
  // Resolved next to the public `tslab` module so that both are the kernel's own instance.
  return require("tslab/dist/jupyter") as TslabJupyterModule;
}

/** The versions of tslab, the TypeScript it compiles cells with, and Node. */
export function tslabVersions(): { readonly tslab: string; readonly typescript: string; readonly node: string } {
  return { ...tslab.versions };
}

/** True when this code runs inside a tslab kernel that is executing (or has executed) a cell. */
export function inKernel(): boolean {
  return typeof jupyterModule().lastWriteDisplayData === "function";
}

/**
 * A token for the execute request tslab runs (or ran last): a new one for each request, so that
 * a deferred action can tell whether another cell has started since. Null outside a kernel.
 */
export function currentExecution(): object | null {
  return jupyterModule().lastWriteDisplayData;
}

/**
 * Sends one `display_data` message (or `update_display_data` when `update` is true and a display
 * id is given) carrying every MIME type of `bundle`. Returns false outside a kernel.
 */
export function sendBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = jupyterModule().lastWriteDisplayData;
  if (typeof write !== "function") return false;
  const transient = options.displayId ? { display_id: options.displayId } : {};
  write({ data: bundle, metadata: {}, transient }, Boolean(options.update && options.displayId));
  return true;
}

/** Shows `bundle` in the cell as one display; outside a kernel (a plain script) prints its text/plain. */
export function displayBundle(bundle: MimeBundle): void {
  if (!sendBundle(bundle)) process.stdout.write(`${String(bundle["text/plain"])}\n`);
}
