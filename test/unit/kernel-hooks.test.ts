/**
 * conclab/kernel's interrupt handling outside a kernel: a script that imports it still ends on
 * Ctrl-C (SIGINT), after its experiment stopped and said so. Inside a kernel the same handler
 * hands the interrupt on to tslab: test/kernel/kernel-faults.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";
import { spawnWatched, until, type WatchedChild } from "../helpers/processes";

/** Runs `source` as a CommonJS script in the project root, keeping its output. */
function script(source: string): WatchedChild & { sigint: () => void } {
  const watched = spawnWatched(process.execPath, ["-e", source], { cwd: PROJECT_ROOT });
  return { ...watched, sigint: () => watched.child.kill("SIGINT") };
}

describe("conclab/kernel outside a kernel: Ctrl-C", () => {
  it("with nothing running, ends the script as Node would (exit 130)", async () => {
    // "ready" after the import's microtasks, where conclab/kernel takes over SIGINT.
    const run = script('require("conclab/kernel"); setImmediate(() => console.log("ready")); setInterval(() => undefined, 1000);');
    assert.ok(await until(() => run.output().includes("ready"), 20_000), `the script started: ${run.output()}`);
    run.sigint();
    const code = await run.exited;
    assert.equal(code, 130, run.output());
  });

  it("during an experiment, stops it first (it rejects with AbortError), then ends the script", async () => {
    const run = script(
      'const { compare, countTo } = require("conclab"); require("conclab/kernel");\n' +
        'compare({ task: countTo, args: [3e9], copies: 2, strategies: ["threads"], repeats: 50, warmup: 0, timeoutMs: 600000, maxTotalMs: 86400000,\n' +
        '  onProgress: (p) => { if (p.phase === "run") console.log("running"); } })\n' +
        '  .catch((error) => console.log(`experiment ended: ${error.name}`));',
    );
    assert.ok(await until(() => run.output().includes("running"), 30_000), `the experiment started: ${run.output()}`);
    run.sigint();
    const code = await run.exited;
    assert.equal(code, 130, run.output());
    assert.match(run.output(), /interrupted: stopping 1 running experiment…\n[^]*experiment ended: AbortError/);
  });
});
