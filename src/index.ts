/**
 * conclab: experiments on concurrency and parallelism in Node.js, with CPython beside it: tasks,
 * strategies, compare(), measurement, statistics and plot specs. The course built on it is
 * `conclab/course`; what tests and tools reach below this face is `conclab/internal`.
 */
// Machine and runtime
export { describeMachine, type MachineDescription } from "./environment";
export { cpuLimitText, type CpuBound } from "./machine-limits";
export { findPython, type PythonInfo, type PythonInterpreter } from "./python";

// Tasks
export { countTo, countPrimes, hashBytes } from "./tasks/cpu";
export { sleep, blockingSleep, httpGet, readFileTask } from "./tasks/io";
export { startDelayServer, type DelayServer, type DelayServerOptions } from "./tasks/delay-server";
export { makeTestFile, type TestFile } from "./tasks/test-file";
export type { TaskFunction } from "./tasks/task-source";

// Experiments
export { compare, type CompareOptions, type CompareResult, type CompareProgress, type StrategyResult } from "./experiment/compare";
export { pythonSharedCounter, pythonConcurrentWaits, pythonConnections, type PythonCounterResult, type PythonCounterRun, type PythonWaitsPoint, type PythonConnectionsRun } from "./experiment/python-experiments";
export { run, type RunOptions, type RunResult } from "./experiment/run";
export { calibrate, type CalibrateOptions } from "./experiment/calibrate";
export { compareOnCpus } from "./experiment/pinned";
export type { MemorySummary, LaneMemory } from "./experiment/memory";
export { STRATEGY_KEYS, type Pools, type StrategyName, type StrategyKey, type NodeStrategy, type PythonStrategy } from "./strategies/descriptors";
export { createThreadPool, createProcessPool } from "./pools";
export type { PoolState, KeptPool, ThreadPool, ProcessPool } from "./pools/pool-contract";
export type { ProcessPoolOptions } from "./pools/process-pool";
export type { ThreadPoolOptions } from "./pools/thread-pool";
export {
  startQueueCluster,
  type QueueCluster,
  type QueueClusterOptions,
  type HostsChoice,
  type ClusterPlacement,
  type QueueWorkerInfo,
  type QueueServerInfo,
  type JobsReport,
  type FailedJob,
  type RunJobsOptions,
} from "./queue/cluster";
export type { RunEvent } from "./queue/wire";

// Measurement
export { timeEach } from "./measure/stopwatch";
export { median, quantile, summarize, pairedRatios, interval, type Stat, type Interval } from "./measure/stats";
export type { Span, LaneKind } from "./measure/spans";
export { toChromeTrace, saveChromeTrace, type ChromeTrace, type ChromeTraceEvent } from "./measure/trace";
export { loopLag, type LoopLagResult } from "./measure/loop-lag";
export { measureMemory, type MemoryPerUnit, type MemoryUnit } from "./experiment/unit-costs/memory";
export { measureStartup, type StartupSamples } from "./experiment/unit-costs/startup";
export { measureSwitches, type SwitchSamples, type SwitchOptions } from "./experiment/unit-costs/switches";
export {
  measurePythonStartup, measurePythonMemory, measurePythonMemoryRounds, measurePythonSwitches,
  type PythonStartupSamples, type PythonMemoryPerUnit, type PythonMemorySamples, type PythonSwitchSamples, type PythonSwitchUnit, type PythonSwitchOptions,
} from "./experiment/unit-costs/python";
export type { PythonMeasureOptions } from "./experiment/python-script";
export { fileLimit, raiseFileLimit, type FileLimit, type FileLimitChange } from "./measure/file-limit";

// Errors, and the helper that words a bad argument (parameter, what it must be, what it got, the fix)
export { TaskError, TaskTimeoutError, AbortError, StrategyUnavailableError, typeError } from "./errors";

// Figures (plain plotly data)
export type { Figure, Trace, Layout } from "./figures/figure";
export { durationsFigure } from "./figures/durations";
export {
  wallTimeFigure, timelineFigure, speedupFigure, memoryPerUnitFigure, formatBytes, loopLagFigure,
  startupFigure, switchCostFigure, waitsFigure, strategyColor, strategyName,
  type TimelineOptions, type SpeedupPoint, type SpeedupOptions, type LoopLagSeries,
} from "./figures";

// Lifecycle: what an interrupt or shutdown stops, and where progress goes (conclab/kernel calls these)
export type { ProgressReport, ProgressSink } from "./runtime/lifecycle";
export { lifecycle } from "./runtime/hooks";
