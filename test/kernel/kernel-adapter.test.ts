import "../helpers/quiet";
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { KernelMessage } from "@jupyterlab/services";
import { PROJECT_ROOT } from "../../tools/paths";
import { descendants, isAlive, threadCount } from "../../tools/proc";
import { KernelClient } from "../../tools/runner/execute-notebook";
import { sharedServer } from "../helpers/server";
import { kernelPid, stdout } from "../helpers/kernel";
import { until } from "../helpers/processes";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const NOTEBOOK = path.join(FIXTURES, "outputs.ipynb"); // only its folder matters: the kernel's working directory




describe("conclab/kernel in a real tslab kernel", () => {
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the kernel adapter tests");

  it("the kernel runs on the Node.js that runs these tests (CI runs the suite once per supported Node)", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const outcome = await client.execute("console.log(`node=${process.version}`);");
      assert.match(stdout(outcome.outputs), new RegExp(`node=${process.version.replace(/\./g, "\\.")}\\n`));
    } finally {
      await client.shutdown();
    }
  });

  it("show() sends one display_data holding plotly JSON, offline HTML and text", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const outcome = await client.execute(
        'import { show } from "conclab/kernel";\nshow({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: { title: { text: "one bar" } } });',
      );
      assert.equal(outcome.status, "ok");
      const displays = outcome.outputs.filter((o) => o.output_type === "display_data");
      assert.equal(displays.length, 1);
      const data = (displays[0] as { data: Record<string, unknown> }).data;
      assert.deepEqual(Object.keys(data).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
      const spec = JSON.parse(JSON.stringify(data["application/vnd.plotly.v1+json"])) as { data: unknown[]; layout: { title: { text: string } } };
      assert.equal(spec.data.length, 1);
      assert.equal(spec.layout.title.text, "one bar");
    } finally {
      await client.shutdown();
    }
  });

  it("a long compare shows a progress bar updated in place on one display id, ending as its summary", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    const messages: KernelMessage.IIOPubMessage[] = [];
    const stop = client.watch((msg) => messages.push(msg));
    try {
      const outcome = await client.execute(
        'import { compare, sleep } from "conclab";\nimport "conclab/kernel";\n' +
          'const r = await compare({ task: sleep, args: [250], copies: 2, strategies: ["sequential", "async"], repeats: 3, warmup: 0 });',
      );
      assert.equal(outcome.status, "ok", stdout(outcome.outputs));
      const idOf = (msg: KernelMessage.IIOPubMessage): string | undefined => (msg.content as { transient?: { display_id?: string } }).transient?.display_id;
      const created = messages.filter((m) => m.header.msg_type === "display_data" && idOf(m));
      assert.equal(created.length, 1, "one progress display");
      const id = idOf(created[0]!);
      const updates = messages.filter((m) => m.header.msg_type === "update_display_data");
      assert.ok(updates.length >= 1, "updated in place");
      assert.ok(updates.every((m) => idOf(m) === id), "every update targets the same display id");
      const final = outcome.outputs.filter((o) => o.output_type === "display_data");
      assert.equal(final.length, 1);
      const text = String((final[0] as { data: Record<string, unknown> }).data["text/plain"]);
      assert.match(text, /^compare 2 × sleep\(250\): 2 strategies × 3 repeats in \d+\.\d s; fastest async/);
    } finally {
      stop();
      await client.shutdown();
    }
  });

  for (const strategy of ["threads", "processes"] as const) {
    it(`interrupting a cell during ${strategy} stops the experiment, leaves no ${strategy === "threads" ? "thread" : "process"} behind, and the next cell runs`, async () => {
      const client = await KernelClient.start(jupyter.server, NOTEBOOK);
      try {
        const pid = await kernelPid(client);
        await client.execute('import { compare, countTo } from "conclab";\nimport "conclab/kernel";');
        const threadsBefore = threadCount(pid);
        // The cell says when it runs: threads that the kernel starts while it still compiles the
        // cell (libuv's pool on Node 24) must not pass for the experiment's, or the interrupt lands
        // before the cell runs and is lost.
        let cellRuns = false;
        let barShown = false;
        const stopWatching = client.watch((msg) => {
          if (msg.header.msg_type === "stream" && String((msg.content as { text?: unknown }).text).includes("experiment starts")) cellRuns = true;
          if (msg.header.msg_type === "display_data" && (msg.content as { transient?: { display_id?: string } }).transient?.display_id) barShown = true;
        });
        const running = client.execute(
          `console.log("experiment starts");\nawait compare({ task: countTo, args: [3_000_000_000], copies: 2, strategies: ["${strategy}"], repeats: 50, warmup: 0, timeoutMs: 600_000, maxTotalMs: 86_400_000 });`,
        );
        const started = await until(
          () => cellRuns && barShown && (strategy === "threads" ? threadCount(pid) >= threadsBefore + 2 : descendants(pid).length >= 2),
          20_000,
        );
        stopWatching();
        assert.ok(started, `the ${strategy} started and the progress bar is shown`);
        const children = descendants(pid);
        await client.interrupt();
        const outcome = await running;
        assert.notEqual(outcome.status, "ok", "the interrupted cell does not report success");
        // Before the cell ends (its reply), it has said that it stops and its bar has become the summary:
        // anything sent after the reply may never reach the cell.
        assert.match(stdout(outcome.outputs), /interrupted: stopping 1 running experiment/);
        const shown = outcome.outputs.filter((o) => o.output_type === "display_data").map((o) => String((o as { data: Record<string, unknown> }).data["text/plain"]));
        assert.equal(shown.length, 1, `one progress display in the interrupted cell, got ${JSON.stringify(shown)}`);
        assert.match(shown[0]!, /: interrupted; its workers and child processes were stopped$/, "the bar ended as the summary before the cell ended");
        assert.ok(await until(() => threadCount(pid) <= threadsBefore, 5_000), `threads back to ${threadsBefore}, now ${threadCount(pid)}`);
        assert.ok(await until(() => children.every((c) => !isAlive(c)) && descendants(pid).length === 0, 5_000), "no child process left");
        const next = await client.execute('console.log("next cell ran");');
        assert.equal(next.status, "ok");
        assert.match(stdout(next.outputs), /next cell ran/);
      } finally {
        await client.shutdown();
      }
    });
  }

  it("shutting the kernel down during processes leaves no orphan", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    const pid = await kernelPid(client);
    await client.execute('import { compare, countTo } from "conclab";\nimport "conclab/kernel";');
    // The shutdown below cancels this cell's request; its rejection is expected.
    void client
      .execute('await compare({ task: countTo, args: [3_000_000_000], copies: 2, strategies: ["processes"], repeats: 50, warmup: 0, timeoutMs: 600_000, maxTotalMs: 86_400_000 });')
      .catch(() => undefined);
    assert.ok(await until(() => descendants(pid).length >= 2, 20_000), "children started");
    const children = descendants(pid);
    await client.shutdown();
    assert.ok(await until(() => !isAlive(pid) && children.every((c) => !isAlive(c)), 8_000), "kernel and children gone");
  });
});
