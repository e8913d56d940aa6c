export { describeMachine, type MachineDescription } from "./environment";
export { findPython, MIN_PYTHON, type PythonInfo } from "./python";
export { countTo } from "./tasks/cpu";
export { timeEach } from "./measure/stopwatch";
export type { Figure, Trace, Layout } from "./figures/figure";
export { durationsFigure } from "./figures/durations";
