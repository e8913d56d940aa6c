/** The lifecycle as an adapter (conclab/kernel) drives it: one name on the public face. */
import { abortAllExperiments, destroyAllPools, killAllNow, runningExperiments, setProgressSink } from "./lifecycle";

export const lifecycle = Object.freeze({
  /** Aborts every experiment running now (an interrupted cell); resolves when they have stopped. */
  abortAllExperiments,
  /** Closes every pool conclab started, killing what still runs (a kernel shutting down). */
  destroyAllPools,
  /** Kills every child process at once, synchronously (the process is exiting). */
  killAllNow,
  /** How many experiments are running now. */
  runningExperiments,
  /** Where progress reports go from now on (a factory of sinks); returns the factory it replaces. */
  setProgressSink,
});
