/**
 * What conclab/kernel installs in the kernel process when a notebook imports it, once:
 * progress bars in cells, interrupt → abort every running experiment, and shutdown → kill every
 * child process that pools hold before the kernel goes.
 */
import { lifecycle } from "../src/index";
import { cellProgressSink } from "./progress";
import { currentExecution } from "./tslab-channel";

const INSTALLED = Symbol.for("conclab.kernel.hooks");

/** How long an interrupted experiment may take to stop before the cell is ended without it. */
export const STOP_GRACE_MS = 5_000;

/**
 * The kernel's own SIGINT handling (tslab's ends the running cell at once), called by ours.
 * Ending the cell before the experiment has stopped would leave the cell's last words (the
 * progress bar's summary) to arrive after its reply, where Jupyter front ends drop them.
 */
let kernelInterrupt = (): void => undefined;
let stopping = false;

function onInterrupt(): void {
  const count = lifecycle.runningExperiments();
  if (count === 0 || stopping) {
    // Nothing of ours runs, or the reader pressed stop again while it stops: the kernel's turn.
    kernelInterrupt();
    return;
  }
  stopping = true;
  const cell = currentExecution();
  process.stdout.write(`interrupted: stopping ${count} running experiment${count === 1 ? "" : "s"}…\n`);
  let grace: NodeJS.Timeout | undefined;
  const stopped = new Promise<void>((resolve) => {
    grace = setTimeout(resolve, STOP_GRACE_MS);
    void lifecycle.abortAllExperiments().finally(resolve);
  });
  void stopped.then(() => {
    clearTimeout(grace);
    stopping = false;
    // The aborted experiment usually ended the cell by now; if the cell still runs (it awaits
    // something else too), the kernel ends it. Never a cell that started since.
    if (currentExecution() === cell) kernelInterrupt();
  });
}

function takeOverInterrupt(): void {
  const previous = process.listeners("SIGINT");
  process.removeAllListeners("SIGINT");
  if (previous.length > 0) kernelInterrupt = () => previous.forEach((listener) => listener("SIGINT"));
  // Outside a kernel, where nothing else listened, Ctrl-C still ends the script once its experiments stopped.
  else if (currentExecution() === null) kernelInterrupt = () => process.exit(130);
  process.on("SIGINT", onInterrupt);
}

function onTerminate(signal: NodeJS.Signals): void {
  lifecycle.killAllNow();
  void lifecycle.destroyAllPools().finally(() => process.exit(signal === "SIGTERM" ? 143 : 129));
  // If a pool hangs, leave anyway: the children are already dead.
  setTimeout(() => process.exit(1), 2_000).unref();
}

/** Installs the hooks once per process (a re-imported module finds them in place). */
export function installKernelHooks(): void {
  const registry = globalThis as unknown as Record<symbol, boolean>;
  if (registry[INSTALLED]) return;
  registry[INSTALLED] = true;
  const plain = lifecycle.setProgressSink(() => cellProgressSink(plain()));
  // A cell's synchronous code runs with vm's breakOnSigint, which lifts every SIGINT listener
  // (tslab's too) until it returns and puts them back then: take them over after that.
  queueMicrotask(takeOverInterrupt);
  process.on("SIGTERM", () => onTerminate("SIGTERM"));
  process.on("SIGHUP", () => onTerminate("SIGHUP"));
  process.on("exit", lifecycle.killAllNow);
}
