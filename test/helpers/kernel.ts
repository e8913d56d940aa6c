import assert from "node:assert/strict";
import type { KernelClient } from "../../tools/runner/execute-notebook";
import type { Output } from "../../tools/runner/nbformat";

/** The text a cell printed on stdout and stderr, in order. */
export function stdout(outputs: readonly Output[]): string {
  return outputs.map((o) => (o.output_type === "stream" ? o.text : "")).join("");
}

/** The pid of the kernel process, as the kernel itself reports it. */
export async function kernelPid(client: KernelClient): Promise<number> {
  const outcome = await client.execute("console.log(`pid=${process.pid}`);");
  const pid = Number(/pid=(\d+)/.exec(stdout(outcome.outputs))?.[1]);
  assert.ok(pid > 0, "the kernel reports its pid");
  return pid;
}
