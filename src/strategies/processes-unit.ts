/**
 * The `processes` strategy's unit: a child process, a whole new Node. Its start-up is timed to the
 * first line it runs; idle ones are measured by their proportional set size (Linux), else their
 * resident sets; two of them pass one byte through a pair of named pipes, each asleep in a blocking
 * read until the other writes: a switch the OS scheduler makes, between two address spaces. Every
 * child starts out of the kernel's process group (detached): an interrupt aborts through the
 * signal instead of failing a sample.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { throwIfAborted } from "../errors";
import { nowMs } from "../measure/clock";
import { processMemoryBytes } from "../measure/process-memory";
import { exited, killIfRunning } from "../runtime/child-life";
import { settleWithin } from "../runtime/deadline";
import { HANDOFF_SAMPLE_LIMIT_MS, type IdleMemory, type UnitOperations } from "./unit-operations";

function startOne(): Promise<number> {
  return new Promise((resolve, reject) => {
    const asked = nowMs();
    const child = spawn(process.execPath, ["-e", "process.stdout.write(String(performance.timeOrigin + performance.now()))"], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(Number(out) - asked) : reject(new Error(`a child Node process exited with code ${code}`))));
  });
}

async function idle(count: number, signal?: AbortSignal): Promise<IdleMemory> {
  const children: ChildProcess[] = [];
  const kill = (): void => children.forEach(killIfRunning);
  process.once("exit", kill);
  try {
    for (let i = 0; i < count; i++) {
      throwIfAborted(signal);
      // An idle Node process that says it is ready and then waits for its parent to go (its stdin closes).
      const child = spawn(process.execPath, ["-e", "process.stdout.write('ready'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));"], {
        stdio: ["pipe", "pipe", "ignore"],
        detached: true,
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once("data", () => resolve());
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`an idle child process exited with code ${code}`)));
      });
    }
    await sleep(200);
    const pss = children.map((c) => processMemoryBytes(c.pid ?? -1, "Pss"));
    if (pss.every((v): v is number => v !== undefined)) return { totalBytes: pss.reduce((a, b) => a + b, 0), metric: "pss" };
    const rss = children.map((c) => processMemoryBytes(c.pid ?? -1, "Rss") ?? 0);
    return { totalBytes: rss.reduce((a, b) => a + b, 0), metric: "rss-children" };
  } finally {
    kill();
    process.removeListener("exit", kill);
    await Promise.all(children.map(exited));
  }
}

/** Runs in each child: opens its two pipes (in an order that cannot deadlock), then plays its rounds. */
const PROCESS_PLAYER = `
const fs = require("node:fs");
const [role, aToB, bToA, rounds] = process.argv.slice(1);
const first = role === "a";
const out = first ? fs.openSync(aToB, "w") : null;
const input = fs.openSync(first ? bToA : aToB, "r");
const output = out ?? fs.openSync(bToA, "w");
const byte = Buffer.alloc(1);
const started = performance.now();
for (let i = 0; i < Number(rounds); i++) {
  if (first) { fs.writeSync(output, byte); fs.readSync(input, byte); }
  else { fs.readSync(input, byte); fs.writeSync(output, byte); }
}
if (first) process.stdout.write(String(performance.now() - started));
`;

function mkfifo(file: string): void {
  try {
    execFileSync("mkfifo", [file], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`the switching experiment between processes needs named pipes (the mkfifo command of Linux and macOS), and could not make one: ${(error as Error).message}`, { cause: error });
  }
}

/** Starts one player; resolves with what it printed once it exits cleanly. */
function player(role: "a" | "b", aToB: string, bToA: string, rounds: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, ["-e", PROCESS_PLAYER, role, aToB, bToA, String(rounds)], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`a child process of the switching experiment exited with code ${code}: ${err.trim().slice(-300)}`))));
  });
}

async function handOff(handoffs: number, signal: AbortSignal): Promise<{ msPerHandoff: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "conclab-switch-"));
  const children: ChildProcess[] = [];
  try {
    const [aToB, bToA] = [path.join(dir, "a-to-b"), path.join(dir, "b-to-a")];
    mkfifo(aToB);
    mkfifo(bToA);
    const exits = (["a", "b"] as const).map((role) => player(role, aToB, bToA, handoffs / 2, children));
    const work = Promise.all(exits).then(([out]) => Number(out) / handoffs);
    const stuck = (): Error => new Error(`the child processes of the switching experiment did not finish ${handoffs} handoffs in ${HANDOFF_SAMPLE_LIMIT_MS / 1000} s`);
    return { msPerHandoff: await settleWithin(work, signal, HANDOFF_SAMPLE_LIMIT_MS, stuck) };
  } finally {
    children.forEach(killIfRunning);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const PROCESSES_UNIT: UnitOperations = {
  measuredIn: "node",
  name: "child process",
  plural: "child processes",
  maxIdle: 64,
  defaultHandoffs: 2000,
  start: startOne,
  idle,
  handOff,
};
