/**
 * The child process of compareOnCpus(): its CPU affinity was set before Node started, so every
 * thread it starts inherits it. Reads the comparison from argv[2] (the task as source text), runs
 * compare() and writes the result as one JSON line on stdout.
 */
import { endWithParent } from "../runtime/child-life";
import { instantiate, type TaskSourceData } from "../tasks/instantiate";
import type { NodeStrategy } from "../strategies/descriptors";
import { compare } from "./compare";

interface PinnedSpec {
  readonly task: TaskSourceData;
  readonly args: unknown[];
  readonly copies: number;
  readonly strategies: NodeStrategy[];
  readonly repeats: number;
  readonly warmup: number;
}

endWithParent({ busy: true });
const spec = JSON.parse(process.argv[2] ?? "{}") as PinnedSpec;
const task = instantiate(spec.task) as (...args: unknown[]) => unknown;
compare({ ...spec, task, args: spec.args }).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
