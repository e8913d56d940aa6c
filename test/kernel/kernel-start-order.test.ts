/**
 * The tslab kernel reads no socket before every socket is bound. zeromq 6 binds on a worker thread
 * and marks the socket busy until the bind's callback runs on the main thread; a receive in that
 * window throws EBUSY. Unpatched tslab 1.0.22 started its receive loops before binding: under load,
 * a request that arrived in the window ended the shell loop (EBUSY, "Socket is blocked by a bind or
 * unbind operation") and the kernel never answered again, about one start in a few hundred in the
 * stress test. The window is too narrow to hit on demand, so this test checks its cause instead: a
 * probe preloaded into the kernel (test/fixtures/probes/zeromq-order.cjs) records any receive or
 * send made on a socket before its bind finished. Against unpatched tslab it records a receive on
 * the shell, control and heartbeat sockets at every start. A kernel that cannot bind exits and says
 * why (unpatched, it logged the rejection and went on running, deaf, until the server gave up).
 */
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type * as Zmq from "zeromq";
import { PROJECT_ROOT } from "../../tools/paths";
import { freePort } from "../../tools/runner/jupyter-server";
import { Timeout, within } from "../../tools/runner/execute-notebook";
import { spawnWatched, type WatchedChild } from "../helpers/processes";

const PROBE = path.join(PROJECT_ROOT, "test", "fixtures", "probes", "zeromq-order.cjs");
const TSLAB_BIN = path.join(PROJECT_ROOT, "node_modules", "tslab", "bin", "tslab");
// The zeromq that tslab loads, not a copy of our own.
const zmq = createRequire(require.resolve("tslab/package.json"))("zeromq") as typeof Zmq;

interface ProbeEvent {
  readonly event: string;
  readonly kind: string;
  readonly state?: string;
}

/** The wire frames of a signed Jupyter message (protocol 5.3) with empty content. */
function signed(key: string, type: string, session: string): string[] {
  const header = { msg_id: crypto.randomUUID(), username: "test", session, date: new Date().toISOString(), msg_type: type, version: "5.3" };
  const parts = [JSON.stringify(header), "{}", "{}", "{}"];
  const hmac = crypto.createHmac("sha256", key);
  parts.forEach((part) => hmac.update(part));
  return ["<IDS|MSG>", hmac.digest("hex"), ...parts];
}

/** The msg_type of the next message on a Dealer socket, or a Timeout. */
async function nextType(socket: Zmq.Dealer, ms: number): Promise<string | Timeout> {
  const frames = await within(socket.receive(), ms);
  if (frames instanceof Timeout) return frames;
  const delimiter = frames.findIndex((frame) => frame.toString() === "<IDS|MSG>");
  return String((JSON.parse(frames[delimiter + 2]!.toString()) as { msg_type: unknown }).msg_type);
}

interface Ports {
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
}

/** A connection file on fresh loopback ports, in `dir`. */
async function connectionFile(dir: string): Promise<{ file: string; key: string; ports: Ports }> {
  const key = crypto.randomUUID();
  const ports = { shell_port: await freePort(), iopub_port: await freePort(), stdin_port: await freePort(), control_port: await freePort(), hb_port: await freePort() };
  const file = path.join(dir, "connection.json");
  fs.writeFileSync(file, JSON.stringify({ ...ports, ip: "127.0.0.1", key, transport: "tcp", signature_scheme: "hmac-sha256", kernel_name: "tslab" }));
  return { file, key, ports };
}

/** Starts the tslab kernel on a connection file, with `env` added, keeping its output. */
function startKernel(file: string, env: NodeJS.ProcessEnv): WatchedChild {
  return spawnWatched(process.execPath, [TSLAB_BIN, "kernel", "--config-path", file], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
}

describe("the tslab kernel at start-up", () => {
  it("binds every socket before it reads or writes any, and then answers", async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "conclab-start-order-"));
    const probeLog = path.join(scratch, "probe.jsonl");
    const { file, key, ports } = await connectionFile(scratch);

    // The requests are sent before the kernel has even started, as a server does: zeromq keeps
    // them queued until the kernel's sockets listen.
    const shell = new zmq.Dealer();
    const control = new zmq.Dealer();
    shell.connect(`tcp://127.0.0.1:${ports.shell_port}`);
    control.connect(`tcp://127.0.0.1:${ports.control_port}`);
    const session = crypto.randomUUID();
    await shell.send(signed(key, "kernel_info_request", session));

    const { child: kernel, output, exited } = startKernel(file, { NODE_OPTIONS: `--require ${JSON.stringify(PROBE)}`, CONCLAB_ZMQ_PROBE_LOG: probeLog });
    try {
      assert.equal(await nextType(shell, 60_000), "kernel_info_reply", `the kernel did not answer kernel_info; its output:\n${output()}`);
      await control.send(signed(key, "shutdown_request", session));
      assert.equal(await nextType(control, 30_000), "shutdown_reply", `the kernel did not answer shutdown; its output:\n${output()}`);
      assert.equal(await within(exited, 30_000), 0, `the kernel did not exit after shutdown; its output:\n${output()}`);

      const events = fs.readFileSync(probeLog, "utf8").trim().split("\n").map((line) => JSON.parse(line) as ProbeEvent);
      const bound = events.filter((e) => e.event === "bound").map((e) => e.kind).sort();
      // iopub (Publisher), shell, control and stdin (Router), heartbeat (Reply): the probe saw them all.
      assert.deepEqual(bound, ["Publisher", "Reply", "Router", "Router", "Router"]);
      assert.deepEqual(events.filter((e) => e.event !== "bound"), [], "a socket was used before its bind finished");
    } finally {
      kernel.kill("SIGKILL");
      shell.close();
      control.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("exits and says why when it cannot listen on its ports", async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "conclab-start-order-"));
    const { file, ports } = await connectionFile(scratch);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.shell_port, "127.0.0.1", resolve));
    const { child: kernel, output, exited } = startKernel(file, {});
    try {
      const code = await within(exited, 60_000);
      assert.equal(code, 1, `the kernel did not exit with 1; its output:\n${output()}`);
      assert.ok(output().includes(`tslab: cannot listen on the ports of ${file}: Error: Address already in use`), output());
    } finally {
      kernel.kill("SIGKILL");
      squatter.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
