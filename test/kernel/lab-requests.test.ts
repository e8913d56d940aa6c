/**
 * Requests JupyterLab sends besides running cells, answered by the patched tslab while a cell runs.
 * JupyterLab 4 asks every new kernel for its history; unpatched tslab 1.0.22 did not know the
 * request and printed "unknown msg_type: history_request" with console.warn, which lands in the
 * output of whatever cell is running: a reader who restarted the kernel and ran a cell at once saw
 * it there. Its comm_info reply was typed "complete_reply" and had no status.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { KernelMessage } from "@jupyterlab/services";
import { PROJECT_ROOT } from "../../tools/paths";
import { KernelClient, Timeout, within, type ExecuteOutcome } from "../../tools/runner/execute-notebook";
import { stdout } from "../helpers/kernel";
import { until } from "../helpers/processes";
import { sharedServer } from "../helpers/server";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const NOTEBOOK = path.join(FIXTURES, "outputs.ipynb"); // only its folder matters: the kernel's working directory

describe("requests Lab sends while a cell runs", () => {
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the Lab-request tests");
  let client: KernelClient | undefined;
  let scratch = "";

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "conclab-lab-requests-"));
    client = await KernelClient.start(jupyter.server, NOTEBOOK);
    assert.equal((await client.execute('console.log("ready");')).status, "ok");
  });

  after(async () => {
    await client?.shutdown();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  function kernel(): KernelClient {
    assert.ok(client, "the kernel started");
    return client;
  }

  /**
   * Runs a cell that prints, then waits until `ask` has settled (the test lets it go by writing a
   * file), so the request is handled while the cell is certainly running. Returns both results.
   */
  async function whileACellRuns<T>(name: string, ask: (client: KernelClient) => Promise<T>): Promise<{ answer: T; cell: ExecuteOutcome }> {
    const client = kernel();
    const release = path.join(scratch, name);
    let started = false;
    const stop = client.watch((msg) => {
      if (msg.header.msg_type === "stream" && String((msg.content as { text?: unknown }).text).includes("cell waits")) started = true;
    });
    const cell = client.execute(
      `console.log("cell waits");\nwhile (!require("fs").existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));\nconsole.log("cell done");`,
      { timeoutMs: 60_000 },
    );
    try {
      assert.ok(await until(() => started, 30_000), "the cell runs");
      const answer = await within(ask(client), 30_000);
      assert.ok(!(answer instanceof Timeout), `the kernel answered the ${name} request within 30 s`);
      fs.writeFileSync(release, "");
      return { answer, cell: await cell };
    } finally {
      stop();
      fs.writeFileSync(release, "");
    }
  }

  it("a history request gets an empty history, and the running cell's output stays its own", async () => {
    const { answer, cell } = await whileACellRuns("history", (client) =>
      client.kernel.requestHistory({ output: false, raw: true, hist_access_type: "tail", n: 500 }),
    );
    assert.equal(answer.header.msg_type, "history_reply");
    assert.deepEqual(answer.content, { status: "ok", history: [] });
    assert.equal(cell.status, "ok");
    assert.equal(stdout(cell.outputs), "cell waits\ncell done\n");
  });

  it("a comm info request gets a comm_info_reply with its status", async () => {
    const { answer, cell } = await whileACellRuns("comm-info", (client) => client.kernel.requestCommInfo({}));
    assert.equal(answer.header.msg_type, "comm_info_reply");
    assert.deepEqual(answer.content, { status: "ok", comms: {} });
    assert.equal(stdout(cell.outputs), "cell waits\ncell done\n");
  });

  it("a request tslab does not know leaves the running cell's output alone", async () => {
    const { answer, cell } = await whileACellRuns("unknown", async (client) => {
      const request = KernelMessage.createMessage({
        msgType: "kernel_info_request",
        channel: "shell",
        session: client.kernel.clientId,
        content: {},
      });
      // A type no kernel knows; the kernel says it handled it with an idle status for that request.
      request.header.msg_type = "no_such_request" as typeof request.header.msg_type;
      let idle = false;
      const stopWatching = client.watch((msg) => {
        if (msg.header.msg_type === "status" && msg.parent_header && "msg_id" in msg.parent_header && msg.parent_header.msg_id === request.header.msg_id) {
          idle = (msg.content as { execution_state?: unknown }).execution_state === "idle";
        }
      });
      client.kernel.sendShellMessage(request, false, false);
      try {
        return await until(() => idle, 30_000);
      } finally {
        stopWatching();
      }
    });
    assert.ok(answer, "the kernel reported idle for the unknown request");
    assert.equal(cell.status, "ok");
    assert.equal(stdout(cell.outputs), "cell waits\ncell done\n");
  });
});
