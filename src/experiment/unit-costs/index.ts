/**
 * What one unit of concurrency costs, measured through each strategy's unit operations (its
 * descriptor's `unit`): start-up, memory per unit and the cost of a switch, in Node and in CPython.
 */
export { measureStartup, type StartupSamples } from "./startup";
export { measureMemory, type MemoryPerUnit, type MemoryUnit } from "./memory";
export { measureSwitches, type SwitchSamples, type SwitchOptions } from "./switches";
export {
  measurePythonStartup, measurePythonMemory, measurePythonMemoryRounds, measurePythonSwitches, PYTHON_DEFAULT_HANDOFFS, PYTHON_DEFAULT_MEMORY_COUNTS,
  type PythonStartupSamples, type PythonMemoryPerUnit, type PythonMemorySamples, type PythonSwitchSamples, type PythonSwitchUnit, type PythonSwitchOptions,
} from "./python";
