/**
 * The tslab kernel under load, through a real Jupyter server, with every core kept busy by other
 * processes: kernels started again and again with bursts of requests, and cells that print, display
 * and update displays as fast as a loop can. Every reply, stream line, display update and idle
 * status is accounted for; a kernel that dies or stops answering fails the test.
 *
 * Unpatched tslab 1.0.22 loses messages here (zeromq 6 allows one pending send per socket and the
 * IOPub socket drops messages past its high-water mark), and about one start in a few hundred
 * never answers (its receive loops began before its sockets were bound: kernel-start-order.test.ts),
 * which patches/tslab+1.0.22.patch fixes.
 * CONCLAB_STRESS_STARTS sets how many kernel starts the burst test makes (default 20).
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { PROJECT_ROOT } from "../../tools/paths";
import { KernelClient, Timeout, within } from "../../tools/runner/execute-notebook";
import { sharedServer } from "../helpers/server";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const NOTEBOOK = path.join(FIXTURES, "outputs.ipynb"); // only its folder matters: the kernel's working directory
const STARTS = Number(process.env.CONCLAB_STRESS_STARTS ?? 20);
const KERNELS_AT_ONCE = 2;
const ANSWER_WITHIN_MS = 60_000;

/**
 * A CPU-bound loop that ends by itself when its parent goes (a test run killed before its after()
 * hook) or after 20 minutes: nothing else could stop it, since a busy loop runs no timers.
 */
const SPINNER = `const parent = Number(process.argv[1]), end = Date.now() + 1200000; let next = 0;
for (;;) { const now = Date.now(); if (now > next) { next = now + 200; if (process.ppid !== parent || now > end) process.exit(0); } }`;

/** One CPU-bound process per core, for the whole file: the kernels compete for every core. */
function keepCoresBusy(): () => void {
  const spinners: ChildProcess[] = [];
  for (let i = 0; i < availableParallelism(); i++) {
    // The parent's pid comes as an argument: read from process.ppid it would be init's if this process died first.
    spinners.push(spawn(process.execPath, ["-e", SPINNER, String(process.pid)], { stdio: "ignore" }));
  }
  return () => spinners.forEach((child) => child.kill("SIGKILL"));
}

/** A cell that prints `lines` lines and updates one display `updates` times, all in one synchronous loop. */
function floodCell(lines: number, updates: number): string {
  return [
    'import * as tslab from "tslab";',
    "const shown = tslab.newDisplay();",
    `for (let i = 0; i < ${Math.max(lines, updates)}; i++) {`,
    `  if (i < ${lines}) console.log("line " + i);`,
    `  if (i < ${updates}) shown.text("step " + i);`,
    "}",
  ].join("\n");
}

/** What one request came back with: whether its reply and its idle status arrived, and what it sent on IOPub. */
interface Tally {
  readonly answered: boolean;
  readonly status: string;
  readonly lines: number;
  readonly displays: number;
  readonly updates: number;
}

/** The promise's value, or undefined when it rejects (a request cancelled by a dying kernel) or takes longer than `ms`. */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const outcome = await within(promise.catch(() => undefined), ms);
  return outcome instanceof Timeout ? undefined : outcome;
}

/**
 * Executes `code` and counts what comes back for it. @jupyterlab/services resolves `done` only after
 * both the execute_reply and the request's idle status arrived, so a lost idle status means no answer.
 */
async function tallyExecute(kernel: Kernel.IKernelConnection, code: string): Promise<Tally> {
  const future = kernel.requestExecute({ code, stop_on_error: false, store_history: false });
  let text = "";
  let displays = 0;
  let updates = 0;
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const type = msg.header.msg_type;
    if (type === "stream") text += String((msg.content as { text: unknown }).text);
    else if (type === "display_data") displays++;
    else if (type === "update_display_data") updates++;
  };
  const reply = await withinMs(future.done, ANSWER_WITHIN_MS);
  const lines = text.split("\n").filter((line) => /^line \d+$/.test(line)).length;
  return { answered: reply !== undefined, status: reply ? String(reply.content.status) : "no answer", lines, displays, updates };
}

async function tallyKernelInfo(kernel: Kernel.IKernelConnection): Promise<boolean> {
  return (await withinMs(kernel.requestKernelInfo(), ANSWER_WITHIN_MS)) !== undefined;
}

describe("the tslab kernel with every core busy", () => {
  // Registered before the server's hooks, so the spinners are gone when it counts leftover processes.
  let stopSpinning: () => void = () => undefined;
  before(() => (stopSpinning = keepCoresBusy()));
  after(() => stopSpinning());
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the kernel stress tests");

  it("delivers 1000 display updates made in one synchronous loop, then reports idle", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const tally = await tallyExecute(client.kernel, floodCell(0, 1000));
      assert.deepEqual(tally, { answered: true, status: "ok", lines: 0, displays: 1, updates: 999 });
    } finally {
      await client.shutdown();
    }
  });

  it("delivers 1000 printed lines interleaved with 1000 display updates", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const tally = await tallyExecute(client.kernel, floodCell(1000, 1000));
      assert.deepEqual(tally, { answered: true, status: "ok", lines: 1000, displays: 1, updates: 999 });
    } finally {
      await client.shutdown();
    }
  });

  it(`survives ${STARTS} kernel starts, each hit by a burst of requests at once`, async (t) => {
    const failures: string[] = [];
    /** Starts whose first kernel_info went unanswered (lost before IOPub was subscribed) and whose second was answered. */
    const askedAgain: number[] = [];
    let requests = 0;
    const startOne = async (index: number): Promise<void> => {
      // A path of its own: Jupyter gives sessions of the same path one shared kernel.
      const client = await KernelClient.start(jupyter.server, path.join(FIXTURES, `stress-${index}.ipynb`)).catch((error: unknown) => {
        // The whole message: it ends with the server's log, which says what the start was waiting for.
        failures.push(`start ${index}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      });
      if (!client) return;
      if (client.infoAskedAgain) askedAgain.push(index);
      let died = false;
      const onStatus = (_: unknown, status: Kernel.Status): void => {
        if (status === "dead" || status === "autorestarting" || status === "restarting") died = true;
      };
      client.kernel.statusChanged.connect(onStatus);
      try {
        // All sent before any answer, kernel info requests between floods: each flood is longer
        // than the 512 sends zeromq completes at once, so its sends are still pending when the
        // kernel answers the next request.
        const floods = [[50, 0], [0, 100], [400, 400], [0, 0], [300, 600]] as const;
        const cells: Promise<Tally>[] = [];
        const infos: Promise<boolean>[] = [];
        for (const [lines, updates] of floods) {
          cells.push(tallyExecute(client.kernel, floodCell(lines, updates)));
          infos.push(tallyKernelInfo(client.kernel), tallyKernelInfo(client.kernel));
        }
        const [answeredInfos, tallies] = await Promise.all([Promise.all(infos), Promise.all(cells)]);
        requests += infos.length + cells.length;
        const lost = answeredInfos.filter((ok) => !ok).length;
        if (lost > 0) failures.push(`start ${index}: ${lost} of ${infos.length} kernel_info requests got no answer`);
        tallies.forEach((tally, cell) => {
          const [lines, updates] = floods[cell]!;
          // A display's first call shows it (display_data), every later one updates it.
          const expected = { answered: true, status: "ok", lines, displays: Math.min(updates, 1), updates: Math.max(updates - 1, 0) };
          if (JSON.stringify(tally) !== JSON.stringify(expected)) failures.push(`start ${index}, cell ${cell}: got ${JSON.stringify(tally)}, want ${JSON.stringify(expected)}`);
        });
        if (died) failures.push(`start ${index}: the kernel died; the server's log ends:\n${jupyter.server.logTail(30)}`);
      } finally {
        client.kernel.statusChanged.disconnect(onStatus);
        await client.shutdown();
      }
    };
    for (let first = 0; first < STARTS; first += KERNELS_AT_ONCE) {
      const batch = Array.from({ length: Math.min(KERNELS_AT_ONCE, STARTS - first) }, (_, i) => startOne(first + i));
      await Promise.all(batch);
    }
    t.diagnostic(`${STARTS} kernel starts, ${requests} requests answered or counted, ${failures.length} failures`);
    if (askedAgain.length > 0) t.diagnostic(`starts ${askedAgain.join(", ")}: the kernel answered only the second kernel_info request at start`);
    assert.deepEqual(failures, [], `kernels that died, stopped answering or lost messages:\n${failures.join("\n")}`);
  });
});
