/**
 * What tslab does with the requests around a failed cell (stop_on_error, as Lab and the notebook
 * runner send it): requests that reached the kernel while the cell ran are aborted; a request
 * sent after the failed cell's reply runs. Unpatched tslab 1.0.22 aborted every request that
 * arrived within 200 ms of the failure, so a cell run right after an interrupt or an error came
 * back aborted with no output (Lab shows it as never run); patches/tslab+1.0.22.patch keeps
 * ipykernel's rule (stop_on_error_timeout = 0) instead.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";
import { KernelClient } from "../../tools/runner/execute-notebook";
import { stdout } from "../helpers/kernel";
import { until } from "../helpers/processes";
import { sharedServer } from "../helpers/server";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const NOTEBOOK = path.join(FIXTURES, "outputs.ipynb"); // only its folder matters: the kernel's working directory

describe("requests around a failed cell", () => {
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the stop-on-error tests");
  let client: KernelClient | undefined;

  before(async () => {
    client = await KernelClient.start(jupyter.server, NOTEBOOK);
    assert.equal((await client.execute('console.log("ready");')).status, "ok");
  });

  after(async () => {
    await client?.shutdown();
  });

  function kernel(): KernelClient {
    assert.ok(client, "the kernel started");
    return client;
  }

  it("a cell sent the moment an error's reply arrives runs", async () => {
    const client = kernel();
    for (let round = 0; round < 5; round++) {
      const failed = await client.execute('throw new Error("this cell fails");');
      assert.equal(failed.status, "error");
      const next = await client.execute(`console.log("next cell ran ${round}");`);
      assert.equal(next.status, "ok", `round ${round}: the cell after the error was ${next.status}`);
      assert.match(stdout(next.outputs), new RegExp(`next cell ran ${round}`));
    }
  });

  it("a cell sent the moment an interrupted cell's reply arrives runs", async () => {
    const client = kernel();
    let waiting = false;
    const stop = client.watch((msg) => {
      if (msg.header.msg_type === "stream" && String((msg.content as { text?: unknown }).text).includes("waits")) waiting = true;
    });
    const running = client.execute('console.log("waits");\nawait new Promise(() => {});', { timeoutMs: 60_000 });
    assert.ok(await until(() => waiting, 30_000), "the cell runs");
    stop();
    await client.interrupt();
    assert.equal((await running).status, "error", "the interrupted cell ended as an error");
    const next = await client.execute('console.log("next cell ran");');
    assert.equal(next.status, "ok", `the cell after the interrupt was ${next.status}`);
    assert.match(stdout(next.outputs), /next cell ran/);
  });

  it("requests queued behind a failing cell are aborted, and later ones run", async () => {
    const client = kernel();
    // Sent together, as Lab's Run All sends them: the first fails after the others have arrived.
    const first = client.execute('await new Promise((resolve) => setTimeout(resolve, 500));\nthrow new Error("first fails");');
    const queued = [client.execute('console.log("queued 1 ran");'), client.execute('console.log("queued 2 ran");')];
    assert.equal((await first).status, "error");
    for (const [index, outcome] of (await Promise.all(queued)).entries()) {
      assert.notEqual(outcome.status, "ok", `queued request ${index + 1} was aborted`);
      assert.equal(stdout(outcome.outputs), "", `queued request ${index + 1} printed nothing`);
    }
    const later = await client.execute('console.log("later ran");');
    assert.equal(later.status, "ok");
    assert.match(stdout(later.outputs), /later ran/);
  });
});
