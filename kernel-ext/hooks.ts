/**
 * What conclab/kernel installs in the kernel process when a notebook imports it, once:
 * progress bars in cells, interrupt → abort every running experiment, and shutdown → kill every
 * child process that pools hold before the kernel goes.
 */
import {
  abortAllExperiments,
  destroyAllPools,
  killAllNow,
  runningExperiments,
  setProgressSink,
} from "../src/runtime/lifecycle";
import { cellProgressSink } from "./progress";

const INSTALLED = Symbol.for("conclab.kernel.hooks");

function onInterrupt(): void {
  const count = runningExperiments();
  if (count === 0) return;
  process.stdout.write(`interrupted: stopping ${count} running experiment${count === 1 ? "" : "s"}…\n`);
  void abortAllExperiments().then(() => process.stdout.write("stopped; its worker threads and child processes are gone\n"));
}

function onTerminate(signal: NodeJS.Signals): void {
  killAllNow();
  void destroyAllPools().finally(() => process.exit(signal === "SIGTERM" ? 143 : 129));
  // If a pool hangs, leave anyway: the children are already dead.
  setTimeout(() => process.exit(1), 2_000).unref();
}

/** Installs the hooks once per process (a re-imported module finds them in place). */
export function installKernelHooks(): void {
  const registry = globalThis as unknown as Record<symbol, boolean>;
  if (registry[INSTALLED]) return;
  registry[INSTALLED] = true;
  const plain = setProgressSink(() => cellProgressSink(plain()));
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", () => onTerminate("SIGTERM"));
  process.on("SIGHUP", () => onTerminate("SIGHUP"));
  process.on("exit", killAllNow);
}
