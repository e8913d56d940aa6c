import { StrategyUnavailableError } from "../errors";
import type { ProcessPool } from "../pools/process-pool";
import type { ThreadPool } from "../pools/thread-pool";
import { createMainThreadRunner } from "../strategies/main-thread";
import { createProcessesRunner } from "../strategies/processes";
import { createPythonRunner } from "../strategies/python";
import type { RunnerContext, StrategyKey, StrategyRunner } from "../strategies/strategy";
import { createThreadsRunner } from "../strategies/threads";

/** Pools a notebook keeps across cells and lends to experiments (they are never closed for it). */
export interface Pools {
  readonly threads?: ThreadPool;
  readonly processes?: ProcessPool;
}

export function createRunner(key: StrategyKey, context: RunnerContext, pools: Pools = {}): StrategyRunner {
  switch (key) {
    case "sequential":
    case "eventLoop":
    case "async":
      return createMainThreadRunner(key, context);
    case "threads":
      return createThreadsRunner(context, { pool: pools.threads });
    case "processes":
      return createProcessesRunner(context, { pool: pools.processes });
    case "python:sequential":
      return createPythonRunner(context, "sequential");
    case "python:threads":
      return createPythonRunner(context, "threads");
    case "python:processes":
      return createPythonRunner(context, "processes");
    default: {
      const unknown: never = key;
      throw new StrategyUnavailableError(`strategy ${String(unknown)} is not one conclab knows; see NODE_STRATEGIES and PYTHON_MODES`);
    }
  }
}
