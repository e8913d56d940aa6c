/**
 * The units of the CPython strategies, as conclab/python/unit_costs.py starts, parks and switches
 * them in a CPython interpreter: an asyncio task (on the interpreter's one thread, where
 * `python:sequential` runs its copies), a `threading.Thread` (`python:threads`) and a
 * `multiprocessing` process (`python:processes`). The limits are the script's.
 */
import type { CPythonUnitOperations } from "./unit-operations";

export const CPYTHON_ASYNC_UNIT: CPythonUnitOperations = {
  measuredIn: "cpython", name: "asyncio task", plural: "asyncio tasks", unit: "async", maxIdle: 1_000_000, defaultIdle: 10_000,
  // asyncio.sleep(0), and a future the other task sets (a full turn of the loop)
  handoffs: { async: 20_000, "async-future": 10_000 },
};

export const CPYTHON_THREADS_UNIT: CPythonUnitOperations = {
  measuredIn: "cpython", name: "CPython thread", plural: "threads", unit: "threads", maxIdle: 256, defaultIdle: 64, handoffs: { threads: 2000 },
};

export const CPYTHON_PROCESSES_UNIT: CPythonUnitOperations = {
  measuredIn: "cpython", name: "CPython process", plural: "processes", unit: "processes", maxIdle: 64, defaultIdle: 8, handoffs: { processes: 2000 },
};
