/**
 * Interrupts and shutdowns of a real tslab kernel while each strategy runs: an interrupt (SIGINT
 * to the kernel's process group) stops the experiment and the next cell runs; a shutdown, a
 * restart or a `kill -9` of the kernel leaves no thread or process of it behind. Threads and
 * processes are counted in /proc before and after; nothing may be left 5 s later. The kernel's pid
 * comes from the kernel itself, its children's pids are recorded while they run.
 *
 * kernel-adapter.test.ts already covers an interrupt during threads and during processes and a
 * shutdown during processes; this file covers the other strategies and the other endings.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { KernelMessage } from "@jupyterlab/services";
import { findPython } from "conclab";
import { PROJECT_ROOT } from "../../tools/paths";
import { descendants, isAlive, signal, threadCount } from "../../tools/proc";
import { KernelClient } from "../../tools/runner/execute-notebook";
import { sharedServer } from "../helpers/server";
import { listeningAddresses } from "../helpers/sockets";
import { kernelPid, stdout } from "../helpers/kernel";
import { commandLine, isPythonRunning, until } from "../helpers/processes";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "notebooks");
const NOTEBOOK = path.join(FIXTURES, "outputs.ipynb"); // only its folder matters: the kernel's working directory
const GONE_WITHIN_MS = 5_000;

// The server and its kernels get an empty HOME of their own, to see what they write there.
const REAL_HOME = process.env.HOME;
const HOME = mkdtempSync(path.join(tmpdir(), "conclab-kernel-home-"));
process.env.HOME = HOME;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [`${full}/`, ...filesUnder(full)] : [full];
  });
}
const noPython: string | false = findPython() === null ? "no Python 3.8+ on this machine" : false;





/** A compare that runs for minutes unless stopped: `size` per copy, 50 repeats. */
function longCompare(strategy: string, task: "countTo" | "sleep", size: number, copies: number): string {
  return (
    `await compare({ task: ${task}, args: [${size}], copies: ${copies}, strategies: ["${strategy}"], repeats: 50, warmup: 0, ` +
    "timeoutMs: 600_000, maxTotalMs: 86_400_000 });"
  );
}

const IMPORTS = 'import { compare, countTo, sleep, lifecycle } from "conclab";\nimport "conclab/kernel";';

/** Resolves once a progress display of the running cell mentions `text` (the strategy is in its timed runs). */
function progressMentions(client: KernelClient, text: string, withinMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), withinMs);
    const stop = client.watch((msg: KernelMessage.IIOPubMessage) => {
      const type = msg.header.msg_type;
      if (type !== "display_data" && type !== "update_display_data") return;
      const plain = (msg.content as { data?: Record<string, unknown> }).data?.["text/plain"];
      if (typeof plain === "string" && plain.includes(text)) finish(true);
    });
    const finish = (seen: boolean): void => {
      clearTimeout(timer);
      stop();
      resolve(seen);
    };
  });
}

describe("faults of a real tslab kernel during each strategy", () => {
  const jupyter = sharedServer({ rootDir: FIXTURES }, "the kernel fault tests");

  describe("an interrupt stops the running experiment, leaves nothing, and the next cell runs", () => {
    // threads and processes: kernel-adapter.test.ts. Here the strategies on the kernel's own
    // thread (stopped between copies or runs: a synchronous copy cannot be cut short) and CPython's.
    const cases: readonly { strategy: string; cell: string; started: (pid: number, client: KernelClient) => Promise<boolean>; skip?: string | false }[] = [
      { strategy: "sequential", cell: longCompare("sequential", "countTo", 300_000_000, 4), started: (_, client) => progressMentions(client, "sequential, repeat") },
      { strategy: "eventLoop", cell: longCompare("eventLoop", "countTo", 300_000_000, 2), started: (_, client) => progressMentions(client, "eventLoop, repeat") },
      { strategy: "async", cell: longCompare("async", "sleep", 400, 4), started: (_, client) => progressMentions(client, "async, repeat") },
      ...(["sequential", "threads", "processes"] as const).map((mode) => ({
        strategy: `python:${mode}`,
        cell: longCompare(`python:${mode}`, "countTo", 1e11, 2),
        // The interpreter runs the reference script (not findPython's probe), with processes its two workers too.
        started: (pid: number) =>
          until(() => {
            const below = descendants(pid);
            return below.some((p) => isPythonRunning(p, "reference.py")) && below.length >= (mode === "processes" ? 3 : 1);
          }, 30_000),
        skip: noPython,
      })),
    ];

    let client: KernelClient | undefined;
    let pid = 0;
    let threadsAtRest = 0;

    before(async () => {
      client = await KernelClient.start(jupyter.server, NOTEBOOK);
      pid = await kernelPid(client);
      assert.equal((await client.execute(IMPORTS)).status, "ok");
      // A short threads run first, so that Node's own helper threads exist before counting.
      await client.execute('await compare({ task: countTo, args: [1000], copies: 2, strategies: ["threads"], repeats: 1, warmup: 0 });');
      await sleep(500);
      threadsAtRest = threadCount(pid);
    });

    after(async () => {
      await client?.shutdown();
      assert.ok(await until(() => !isAlive(pid), GONE_WITHIN_MS), "the kernel ended on shutdown");
    });

    for (const { strategy, cell, started, skip } of cases) {
      it(`during ${strategy}`, { skip }, async () => {
        assert.ok(client, "the kernel started");
        const running = client.execute(cell);
        assert.ok(await started(pid, client), `${strategy} got going`);
        const children = descendants(pid);
        await client.interrupt();
        const outcome = await running;
        assert.notEqual(outcome.status, "ok", "the interrupted cell does not report success");
        assert.ok(await until(() => descendants(pid).length === 0 && children.every((c) => !isAlive(c)), GONE_WITHIN_MS),
          `child processes left: ${descendants(pid).map(commandLine).join("; ")}`);
        assert.ok(await until(() => threadCount(pid) <= threadsAtRest, GONE_WITHIN_MS), `threads back to ${threadsAtRest}, now ${threadCount(pid)}`);
        const next = await client.execute("console.log(`next cell ran; running=${lifecycle.runningExperiments()}`);");
        assert.equal(next.status, "ok");
        assert.match(stdout(next.outputs), /next cell ran; running=0/, "the experiment itself stopped, not only the cell");
        assert.match(stdout(outcome.outputs), /interrupted: stopping 1 running experiment/, "the interrupted cell itself says so");
        assert.ok(isAlive(pid), "the kernel lives on");
      });
    }

    // conclab/kernel holds tslab's interrupt back until the experiment has stopped; these say the
    // cell still ends when something other than an experiment keeps it running.
    it("a cell that goes on waiting after its experiment stopped ends on the same interrupt", async () => {
      assert.ok(client, "the kernel started");
      const running = client.execute(
        `${longCompare("async", "sleep", 400, 4).replace(/;$/, "")}.catch((error) => console.log(\`caught \${error.name}\`));\n` +
          'console.log("waits on");\nawait new Promise(() => {});',
        { timeoutMs: 60_000 },
      );
      assert.ok(await progressMentions(client, "async, repeat"), "the experiment got going");
      await client.interrupt();
      const outcome = await running;
      assert.equal(outcome.status, "error", `the cell ended as interrupted (not by the 60 s timeout): ${stdout(outcome.outputs)}`);
      assert.match(stdout(outcome.outputs), /caught AbortError\nwaits on\n/);
      assert.match(stdout(outcome.outputs), /Interrupted asynchronously/, "tslab ended the cell's wait");
    });

    it("with no experiment running, an interrupt ends the cell at once, as tslab alone does", async () => {
      assert.ok(client, "the kernel started");
      const running = client.execute('console.log("waits");\nawait new Promise(() => {});', { timeoutMs: 60_000 });
      let waits = false;
      const stop = client.watch((msg) => {
        if (msg.header.msg_type === "stream" && String((msg.content as { text?: unknown }).text).includes("waits")) waits = true;
      });
      assert.ok(await until(() => waits, 30_000), "the cell runs");
      stop();
      await client.interrupt();
      const outcome = await running;
      assert.equal(outcome.status, "error", `the cell ended as interrupted (not by the 60 s timeout): ${stdout(outcome.outputs)}`);
      assert.doesNotMatch(stdout(outcome.outputs), /stopping \d+ running experiment/);
      assert.match(stdout(outcome.outputs), /Interrupted asynchronously/);
    });

  });

  /** Starts a kernel, imports conclab, starts `strategy` in a long compare, and says what it started. */
  async function kernelRunning(strategy: "threads" | "processes" | "python:processes"): Promise<{
    client: KernelClient;
    pid: number;
    children: number[];
    threads: number;
  }> {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const pid = await kernelPid(client);
      assert.equal((await client.execute(IMPORTS)).status, "ok");
      const before = threadCount(pid);
      void client.execute(longCompare(strategy, "countTo", strategy === "python:processes" ? 1e11 : 3_000_000_000, 2)).catch(() => undefined);
      const running =
        strategy === "threads"
          ? await until(() => threadCount(pid) >= before + 2, 30_000)
          : strategy === "processes"
            ? await until(() => descendants(pid).length >= 2, 30_000)
            : await until(() => descendants(pid).length >= 3 && descendants(pid).some((p) => isPythonRunning(p, "reference.py")), 30_000);
      assert.ok(running, `${strategy} got going`);
      return { client, pid, children: descendants(pid), threads: threadCount(pid) };
    } catch (error) {
      await client.shutdown();
      throw error;
    }
  }

  function assertAllGone(pid: number, children: readonly number[]): Promise<void> {
    return until(() => !isAlive(pid) && children.every((c) => !isAlive(c)), GONE_WITHIN_MS).then((gone) =>
      assert.ok(gone, `alive after ${GONE_WITHIN_MS} ms: ${[pid, ...children].filter(isAlive).map((p) => `${p} ${commandLine(p)}`).join("; ")}`),
    );
  }

  it("a shutdown during threads ends the kernel, and its threads with it", async () => {
    const { client, pid, threads } = await kernelRunning("threads");
    assert.ok(threads > 0);
    await client.shutdown();
    await assertAllGone(pid, []);
    assert.equal(threadCount(pid), 0);
  });

  for (const strategy of ["threads", "processes"] as const) {
    it(`a restart during ${strategy} ends the old kernel and everything it started; the new one starts clean`, async () => {
      const { client, pid, children } = await kernelRunning(strategy);
      try {
        if (strategy === "processes") assert.ok(children.length >= 2);
        await client.restart();
        await assertAllGone(pid, children);
        const fresh = await kernelPid(client);
        assert.notEqual(fresh, pid);
        assert.deepEqual(descendants(fresh), []);
        const again = await client.execute(`${IMPORTS}\nconst r = await compare({ task: countTo, args: [1000], copies: 2, strategies: ["${strategy}"], repeats: 1, warmup: 0 });\nconsole.log(r.strategies[0].results.join(","));`);
        assert.equal(again.status, "ok", stdout(again.outputs));
        assert.match(stdout(again.outputs), /1000,1000/);
      } finally {
        await client.shutdown();
      }
    });
  }

  for (const strategy of ["threads", "processes", "python:processes"] as const) {
    it(`kill -9 of the kernel during ${strategy}: ${strategy === "threads" ? "its threads die with it" : "its children notice and end"}`, { skip: strategy.startsWith("python") ? noPython : false }, async () => {
      const { client, pid, children } = await kernelRunning(strategy);
      try {
        if (strategy !== "threads") assert.ok(children.length >= 2, `children: ${children.map(commandLine).join("; ")}`);
        signal(pid, "SIGKILL");
        await assertAllGone(pid, children);
      } finally {
        // Jupyter starts a new kernel after a death; the session's shutdown ends that one.
        await client.shutdown();
      }
    });
  }

  it("the Jupyter server and its kernels listen on 127.0.0.1 only, and the server wants its token", async () => {
    const client = await KernelClient.start(jupyter.server, NOTEBOOK);
    try {
      const pid = await kernelPid(client);
      for (const owner of [jupyter.server.pid, pid]) {
        const addresses = listeningAddresses(owner);
        assert.ok(addresses.length > 0, `${owner} listens`);
        assert.deepEqual(addresses.filter((a) => !a.startsWith("127.0.0.1:")), [], `${commandLine(owner)} listens only on loopback`);
      }
      const api = `${jupyter.server.baseUrl}api/kernels`;
      assert.equal((await fetch(api)).status, 403);
      assert.equal((await fetch(api, { headers: { Authorization: "token wrong" } })).status, 403);
      assert.equal((await fetch(api, { headers: { Authorization: `token ${jupyter.server.token}` } })).status, 200);
    } finally {
      await client.shutdown();
    }
  });

  it(
    "the Jupyter server and its kernels write nothing to HOME",
    () => {
      assert.deepEqual(filesUnder(HOME).map((f) => path.relative(HOME, f)), []);
    },
  );

  after(() => {
    if (REAL_HOME === undefined) delete process.env.HOME;
    else process.env.HOME = REAL_HOME;
    rmSync(HOME, { recursive: true, force: true });
  });
});
