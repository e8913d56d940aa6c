// Machine and runtime
export { describeMachine, type MachineDescription } from "./environment";
export { cpuLimitText, type CpuBound } from "./machine-limits";
export { findPython, MIN_PYTHON, type PythonInfo, type PythonInterpreter } from "./python";

// Tasks
export { countTo, countPrimes, hashBytes, MAX_COUNT, MAX_PRIME_LIMIT, MAX_HASH_MB, MAX_HASH_ROUNDS } from "./tasks/cpu";
export { sleep, blockingSleep, httpGet, readFileTask, MAX_SLEEP_MS } from "./tasks/io";
export { startDelayServer, type DelayServer, type DelayServerOptions } from "./tasks/delay-server";
export { makeTestFile, type TestFile } from "./tasks/test-file";
export type { TaskFunction } from "./tasks/task-source";

// Experiments
export { compare, pythonInterpreterOf, type CompareOptions, type CompareResult, type CompareProgress, type StrategyResult } from "./experiment/compare";
export { pythonSharedCounter, pythonConcurrentWaits, pythonConnections, type PythonCounterResult, type PythonCounterRun, type PythonWaitsPoint, type PythonConnectionsRun } from "./experiment/python-experiments";
export { run, type RunOptions, type RunResult } from "./experiment/run";
export { calibrate, type CalibrateOptions } from "./experiment/calibrate";
export { compareOnCpus } from "./experiment/pinned";
export type { MemorySummary, LaneMemory } from "./experiment/memory";
export type { Pools } from "./strategies/descriptors";
export { DEFAULT_TIMEOUT_MS } from "./experiment/options";
export {
  STRATEGY_KEYS, NODE_STRATEGIES, PYTHON_STRATEGIES, MAX_PARALLEL_COPIES, MAX_EVENT_LOOP_COPIES,
  type StrategyName, type StrategyKey, type NodeStrategy, type PythonStrategy,
} from "./strategies/descriptors";
export { createThreadPool, createProcessPool } from "./pools";
export { MAX_POOL_SIZE, type PoolState, type KeptPool, type ThreadPool, type ProcessPool } from "./pools/pool-contract";
export type { ProcessPoolOptions } from "./pools/process-pool";
export type { ThreadPoolOptions } from "./pools/thread-pool";

// Measurement
export { timeEach } from "./measure/stopwatch";
export { median, quantile, summarize, pairedRatios, interval, CONFIDENCE, type Stat, type Interval } from "./measure/stats";
export type { Span, LaneKind } from "./measure/spans";
export { toChromeTrace, saveChromeTrace, type ChromeTrace, type ChromeTraceEvent } from "./measure/trace";
export { loopLag, type LoopLagResult } from "./measure/loop-lag";
export { measureMemory, type MemoryPerUnit, type MemoryUnit } from "./experiment/unit-costs/memory";
export { measureStartup, type StartupSamples } from "./experiment/unit-costs/startup";
export { measureSwitches, type SwitchSamples, type SwitchOptions } from "./experiment/unit-costs/switches";
export {
  measurePythonStartup, measurePythonMemory, measurePythonMemoryRounds, measurePythonSwitches, PYTHON_DEFAULT_HANDOFFS, PYTHON_DEFAULT_MEMORY_COUNTS,
  type PythonStartupSamples, type PythonMemoryPerUnit, type PythonMemorySamples, type PythonSwitchSamples, type PythonSwitchUnit, type PythonSwitchOptions,
} from "./experiment/unit-costs/python";
export type { PythonMeasureOptions } from "./experiment/python-script";
export { fileLimit, raiseFileLimit, type FileLimit, type FileLimitChange } from "./measure/file-limit";

// The course's claims and verdicts
export { atLeast, atMost, verdictOf, thresholdRule, decided, verdictCounts, saveResults, loadResults, resultsDir, resultsSource, currentProvenance, type Claim, type ClaimKind, type Verdict, type VerdictCounts, type Check, type SectionResults, type Provenance } from "./course/claims";

// Errors
export { TaskError, TaskTimeoutError, AbortError, StrategyUnavailableError } from "./errors";

// Figures (plain plotly data)
export type { Figure, Trace, Layout } from "./figures/figure";
export { durationsFigure } from "./figures/durations";
export {
  wallTimeFigure, timelineFigure, speedupFigure, memoryPerUnitFigure, formatBytes, loopLagFigure,
  startupFigure, switchCostFigure, waitsFigure, strategyColor, strategyName,
  type TimelineOptions, type SpeedupPoint, type SpeedupOptions, type LoopLagSeries,
} from "./figures";

// Lifecycle (what an interrupt or shutdown stops; conclab/kernel calls these)
export { abortAllExperiments, destroyAllPools, runningExperiments } from "./runtime/lifecycle";
export * as verdicts from "./course/verdicts";
export { referenceView, loadReferences, referenceDir, type ReferenceView } from "./course/reference-view";
export type { ReferenceRecording, ReferenceCurvePoint, RecordedStat } from "./course/reference";
export {
  checkTaskOnThreads, checkOverlapOnOneThread, checkRunsInParallel, checkTasksPerThread, checkWaitsTogether, judgeWaitsTogether, checkCopiesAtOnce, judgeCopiesAtOnce, copiesThresholds, COPIES_CHECK,
  WAITS_CHECK, checkYieldsToSiblings, judgeYieldsToSiblings, checkCounterOnThreads, judgeCounterOnThreads, COUNTER_CHECK, FAIR_YIELD, OVERLAP_CHECK,
  type ExerciseResult, type TaskCase, type CountedWait, type WaitsEvidence, type CopiesEvidence, type YieldEvidence, type CounterEvidence, type CounterThreadReport, type OtherRunners,
} from "./course/exercises";
export { QUESTIONS, recordPrediction, predictionOutcome, clearPredictions, type Question, type Choice, type Prediction, type PredictionOutcome } from "./course/questions";
export { parallelCaption, compareCaption, timelineCaption, loopLagCaption, startupCaption, memoryCaption, speedupCurveCaption, waitsCaption, massiveWaitingCaption, unitCostsCaption, switchCostsCaption, cpythonSwitchCaption, cpythonWaitsCaption, cpythonCounterCaption, durationsCaption } from "./course/captions";
export * as decision from "./course/decision-experiments";
export { gilClaims, gilData, readGilData, cpythonHashRun, type GilData } from "./course/gil-results";
export { concurrentWaits } from "./course/examples-experiments";
export { approachesData, readApproachesData, cpythonUnitCosts, type ApproachesData, type PerUnit, type CPythonUnitCosts } from "./course/approaches-results";
export { prosAndConsRows, prosAndConsClaims, switchingCosts, cpythonSwitchingCosts } from "./course/pros-and-cons";
export { gatherSections, verdictCountsFigure, themeSentences, THEMES, type GatheredSection, type Theme } from "./course/summary";
export * as quick from "./course/quick";
