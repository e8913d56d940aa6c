/** The module each piscina worker thread loads: runs one copy of a task and reports it. */
import { executeTask, type TaskMessage } from "./execute";
import type { TaskRecord } from "../tasks/record";

export default function runCopy(message: TaskMessage): Promise<TaskRecord> {
  return executeTask(message, "thread");
}
