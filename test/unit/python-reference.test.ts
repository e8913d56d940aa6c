import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { describe, it } from "node:test";
import { ProcessWatch } from "../helpers/processes";
import { signal } from "../../tools/proc";
import { findPython } from "conclab";
import { REFERENCE_SCRIPT } from "conclab/internal";

const python = findPython();
const noPython = python === null ? "no Python 3.8+ on this machine" : false;

type Reply = Record<string, unknown>;

/** The reference script spawned as the python strategy spawns it, driven one line at a time. */
class Script {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];

  constructor() {
    this.child = spawn(python!.command, [REFERENCE_SCRIPT], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.resume();
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.lines.push(line);
      this.waiting.shift()?.(line);
    });
  }

  send(line: string): Promise<Reply> {
    const reply = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.child.stdin.write(`${line}\n`);
    return reply.then((text) => JSON.parse(text) as Reply);
  }

  request(message: Reply): Promise<Reply> {
    return this.send(JSON.stringify(message));
  }

  async exitCode(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, "exit")) as [number | null];
    return code;
  }

  kill(): void {
    if (this.child.pid !== undefined) signal(-this.child.pid, "SIGKILL");
  }
}

describe("the Python reference script's protocol", { skip: noPython }, () => {
  it("prepares, runs and closes, writing only JSON replies on stdout", async () => {
    const watch = new ProcessWatch(50);
    const script = new Script();
    try {
      const prepared = await script.request({ cmd: "prepare", mode: "processes", task: "count_primes", args: [1000], copies: 2, warmup: 2 });
      assert.equal(prepared.ok, true);
      assert.match(String(prepared.python), /^3\.\d+\.\d+$/);
      assert.equal(typeof prepared.gil, "boolean");
      assert.ok(["fork", "spawn", "forkserver"].includes(String(prepared.start_method)));
      const run = await script.request({ cmd: "run" });
      assert.equal(run.ok, true);
      const tasks = run.tasks as Reply[];
      assert.deepEqual(tasks.map((t) => [t.copy, t.laneKind, t.result]), [[0, "process", 168], [1, "process", 168]]);
      assert.notEqual(tasks[0]!.pid, tasks[1]!.pid);
      assert.equal(run.wallMs, Number(run.endMs) - Number(run.startMs));
      assert.deepEqual(await script.request({ cmd: "close" }), { ok: true });
      assert.equal(await script.exitCode(), 0);
      for (const line of script.lines) assert.doesNotThrow(() => JSON.parse(line), line);
      assert.equal(script.lines.length, 3);
    } finally {
      script.kill();
    }
    assert.deepEqual(await watch.leftovers(5_000), []);
  });

  it("answers ok:false to what it cannot do, and keeps serving", async () => {
    const script = new Script();
    try {
      const unknownTask = await script.request({ cmd: "prepare", mode: "threads", task: "__import__", args: ["os"], copies: 1 });
      assert.equal(unknownTask.ok, false);
      assert.match(String(unknownTask.error), /^ValueError: unknown task '__import__'; the reference script runs only blocking_sleep, count_primes, count_to/);
      assert.match(String((await script.request({ cmd: "prepare", mode: "fibers", task: "count_to", args: [1], copies: 1 })).error), /^ValueError: mode must be one of/);
      assert.match(String((await script.request({ cmd: "prepare", mode: "threads", task: "count_to", args: [1], copies: 0 })).error), /^ValueError: copies must be/);
      assert.match(String((await script.request({ cmd: "run" })).error), /^RuntimeError: run before prepare/);
      assert.match(String((await script.request({ cmd: "eval", code: "1" })).error), /^ValueError: unknown cmd 'eval'/);
      assert.equal((await script.send("not json")).ok, false);
      const failing = await script.request({ cmd: "prepare", mode: "sequential", task: "count_to", args: ["ten"], copies: 1, warmup: 1 });
      assert.match(String(failing.error), /^TypeError: /);
      const fine = await script.request({ cmd: "prepare", mode: "sequential", task: "count_to", args: [10], copies: 1, warmup: 0 });
      assert.equal(fine.ok, true);
      assert.deepEqual(((await script.request({ cmd: "run" })).tasks as Reply[]).map((t) => t.result), [10]);
    } finally {
      script.child.stdin.end();
    }
    assert.equal(await script.exitCode(), 0, "stdin closing ends the script");
  });

  it("stops itself and its pool when the process that started it dies", async () => {
    const watch = new ProcessWatch(50);
    // A Node parent that starts the script and then waits to be killed. The script reads its
    // requests from the parent's fd 3, a pipe we hold open: Node closes a dead child's stdin, and
    // the script would then stop on EOF, so with this pipe only the watchdog can notice.
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const { spawn } = require("node:child_process");
         spawn(${JSON.stringify(python!.command)}, [${JSON.stringify(REFERENCE_SCRIPT)}], { detached: true, stdio: [3, "inherit", "inherit"] });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit", "pipe"] },
    );
    const requests = parent.stdio[3] as Writable;
    try {
      const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
      requests.write(`${JSON.stringify({ cmd: "prepare", mode: "processes", task: "count_to", args: [10], copies: 2, warmup: 1 })}\n`);
      const prepared = JSON.parse(String((await lines.next()).value)) as Reply;
      assert.equal(prepared.ok, true);
      watch.poll();
      assert.ok(watch.count >= 4, "the parent, the interpreter and two pool workers were seen");
      parent.kill("SIGKILL");
      assert.deepEqual(await watch.leftovers(5_000), []);
    } finally {
      requests.end();
      parent.kill("SIGKILL");
    }
  });
});
