/**
 * conclab/internal: what tests, benchmarks and tools reach below the public API. Notebooks import
 * "conclab"; names here may change with any commit and are not documented for readers.
 */
export { nowMs, turnEventLoop } from "./measure/clock";
export { effectiveCpus, readCgroupLimits, type CgroupLimits, type CgroupRoots, type EffectiveCpus } from "./machine-limits";
export { BUSY_SPREAD, BUSY_CONTENTION, COMPARE_DEFAULTS, suspicions } from "./experiment/compare";
export { idealLine } from "./figures/speedup";
export { byteTicks } from "./figures/memory";
export { STYLED_STRATEGIES, strategyStyle, textColorOn, plotlyConfig, type StrategyStyle } from "./figures/style";
export { maxConcurrency, byRepeat, laneCount, cpuShareOfCopies } from "./course/overlap";
export { setProgressSink, type ProgressReport, type ProgressSink } from "./runtime/lifecycle";
export { terminateWorkers } from "./runtime/stop-workers";
export { allowedCpus, pinnedCommand } from "./experiment/pinned";

// Tasks and the wire format
export { taskSource, portable, type TaskSource } from "./tasks/task-source";
export { instantiate } from "./tasks/instantiate";
export { freeVariables } from "./tasks/free-variables";
export { checkSendable, executeTask, ownPssBytes, type TaskMessage } from "./workers/execute";

// Pools and strategies below compare()
export { WorkerThreadPool } from "./pools/thread-pool";
export { ChildProcessPool } from "./pools/process-pool";
export { STRATEGIES, strategyDescriptor, UNIT_STRATEGIES, CPYTHON_UNITS, type StrategyDescriptor, type Placement, type UnitStrategy } from "./strategies/descriptors";
export type { UnitOperations, CPythonUnitOperations, IdleMemory, HandoffSample } from "./strategies/unit-operations";
export type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategies/strategy";
export { createThreadsRunner } from "./strategies/threads";
export { createProcessesRunner } from "./strategies/processes";
export { createPythonRunner, REFERENCE_SCRIPT, type PythonMode } from "./strategies/python";
export { UNIT_COSTS_SCRIPT, runPythonMeasurement } from "./experiment/python-script";
export { readInterpreter } from "./python";

// Reference recordings: the recorder (npm run record-reference) and its file format; chapters show them through referenceView
export { recordReference, recordCurve, readReference, referenceFileName, REFERENCE_SCHEMA, type ReferenceRecording, type ReferenceCurvePoint, type RecordedStat } from "./course/reference";
