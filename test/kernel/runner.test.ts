import "../helpers/quiet";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";
import { descendants, isAlive } from "../../tools/proc";
import { JupyterSetupError, NotebookCellError } from "../../tools/runner/errors";
import { executeNotebook } from "../../tools/runner/execute-notebook";
import { JupyterServer } from "../../tools/runner/jupyter-server";
import { sharedServer } from "../helpers/server";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const fixture = (name: string): string => path.join(FIXTURES, `${name}.ipynb`);

describe("the notebook runner", () => {
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the runner tests");

  it("collects streams in order, merged per stream name, and applies display updates across cells", async () => {
    const nb = await executeNotebook(jupyter.server, fixture("outputs"));
    const [first, second, third] = nb.cells.map((c) => (c.cell_type === "code" ? c : null));
    assert.deepEqual(first?.outputs, [
      { output_type: "stream", name: "stdout", text: "out 1\nout 2\n" },
      { output_type: "stream", name: "stderr", text: "err 1\n" },
    ]);
    assert.equal(second?.outputs.length, 1, "one display, updated in place");
    const display = second?.outputs[0];
    assert.equal(display?.output_type, "display_data");
    assert.deepEqual(display?.output_type === "display_data" && display.data, { "text/plain": "updated from a later cell" });
    assert.deepEqual(third?.outputs, [{ output_type: "stream", name: "stdout", text: "third cell\n" }]);
    assert.deepEqual(nb.cells.map((c) => (c.cell_type === "code" ? c.execution_count : null)), [1, 2, 3]);
  });

  it("fails on a TypeScript error, which tslab reports only as stderr, naming the cell", async () => {
    await assert.rejects(executeNotebook(jupyter.server, fixture("type-error")), (error: unknown) => {
      assert.ok(error instanceof NotebookCellError);
      assert.equal(error.cell, 3);
      assert.equal(error.reason, "error");
      assert.match(error.message, /type-error\.ipynb, cell 3 failed/);
      assert.match(error.detail, /Type 'string' is not assignable to type 'number'/);
      return true;
    });
  });

  it("stops at the first runtime error with the kernel's message and never runs the cells after it", async () => {
    await assert.rejects(executeNotebook(jupyter.server, fixture("runtime-error")), (error: unknown) => {
      assert.ok(error instanceof NotebookCellError);
      assert.equal(error.cell, 3);
      assert.match(error.detail, /RangeError: size must be positive/);
      return true;
    });
  });

  it("interrupts a cell that exceeds its timeout and fails naming it", async () => {
    await assert.rejects(executeNotebook(jupyter.server, fixture("never-ends"), { cellTimeoutMs: 3_000 }), (error: unknown) => {
      assert.ok(error instanceof NotebookCellError);
      assert.equal(error.cell, 2);
      assert.equal(error.reason, "timeout");
      assert.match(error.message, /cell 2 did not finish in time/);
      return true;
    });
    // The server still serves: the next notebook runs on a fresh kernel.
    const nb = await executeNotebook(jupyter.server, fixture("outputs"));
    assert.equal(nb.cells.length, 3);
  });

  it("says clearly when the kernel cannot start", async () => {
    await assert.rejects(executeNotebook(jupyter.server, fixture("outputs"), { kernelName: "no-such-kernel" }), (error: unknown) => {
      assert.ok(error instanceof JupyterSetupError);
      assert.match(error.message, /could not start a no-such-kernel kernel for outputs\.ipynb/);
      assert.match(error.message, /npm run setup/);
      return true;
    });
  });
});

describe("the Jupyter server", () => {
  it("binds 127.0.0.1 and refuses requests without its token", async () => {
    const server = await JupyterServer.start({ rootDir: FIXTURES });
    try {
      assert.equal(server.baseUrl, `http://127.0.0.1:${server.port}/`);
      const anonymous = await fetch(`${server.baseUrl}api/kernels`);
      assert.equal(anonymous.status, 403);
      const authorized = await fetch(`${server.baseUrl}api/kernels`, { headers: { Authorization: `token ${server.token}` } });
      assert.equal(authorized.status, 200);
    } finally {
      await server.stop();
    }
  });

  it("refuses a port that is already in use with a one-line reason", async () => {
    const busy = await JupyterServer.start({ rootDir: FIXTURES });
    try {
      await assert.rejects(JupyterServer.start({ rootDir: FIXTURES, port: busy.port }), {
        name: "JupyterSetupError",
        message: `port ${busy.port} on 127.0.0.1 is already in use; pick another port or stop the program that holds it`,
      });
    } finally {
      await busy.stop();
    }
  });

  it("goes away with its kernels when the process that started it is killed outright", async () => {
    const script = path.join(PROJECT_ROOT, "build", "tools", "runner", "jupyter-server.js");
    const parent = spawn(
      process.execPath,
      ["-e", `require(${JSON.stringify(script)}).JupyterServer.start({ rootDir: ${JSON.stringify(FIXTURES)} }).then((s) => console.log("server " + s.pid + " " + s.port + " " + s.token))`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = await new Promise<string>((resolve) => parent.stdout!.on("data", (chunk: Buffer) => resolve(chunk.toString())));
    const [, pid, port, token] = /server (\d+) (\d+) (\w+)/.exec(line)!;
    const started = await fetch(`http://127.0.0.1:${port}/api/kernels`, { method: "POST", headers: { Authorization: `token ${token}` }, body: JSON.stringify({ name: "tslab" }) });
    assert.equal(started.status, 201, "a kernel runs under the server");
    const below = descendants(Number(pid));
    assert.ok(below.length >= 1);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while ([Number(pid), ...below].some(isAlive) && Date.now() < deadline) await sleep(100);
    assert.deepEqual([Number(pid), ...below].filter(isAlive), [], "server and kernel outlived their parent");
  });

  it("says how to fix a missing Python environment", async () => {
    await assert.rejects(JupyterServer.start({ jupyter: "/nonexistent/.venv/bin/jupyter" }), {
      name: "JupyterSetupError",
      message: "/nonexistent/.venv/bin/jupyter not found: the Python environment is missing; run `npm run setup`",
    });
  });
});
