import { checkInteger, typeError } from "../errors";
import { defineBuiltinTask } from "./task-source";

/** Longest wait a sleep task accepts: ten minutes. */
export const MAX_SLEEP_MS = 600_000;

const checkMs = (name: string) => ([ms]: readonly unknown[]): void =>
  void checkInteger(`args[0] (ms, how long ${name} waits)`, ms, 0, MAX_SLEEP_MS, "pass a whole number of milliseconds");

/**
 * Waits `ms` milliseconds on a timer and returns `ms`. The thread is free meanwhile: other tasks on
 * the same event loop run while this one waits (like `await asyncio.sleep`).
 */
export const sleep = defineBuiltinTask(
  function sleep(ms: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
  },
  { kind: "io", python: "sleep", checkArgs: checkMs("sleep") },
);

/**
 * Blocks the calling thread for `ms` milliseconds with `Atomics.wait` and returns `ms`. Nothing
 * else runs on that thread meanwhile: what `time.sleep` does to an asyncio event loop.
 */
export const blockingSleep = defineBuiltinTask(
  function blockingSleep(ms: number): number {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    return ms;
  },
  { kind: "io", python: "blocking_sleep", checkArgs: checkMs("blockingSleep") },
);

/**
 * Fetches `url` over HTTP (a real socket, meant for the loopback server of `startDelayServer`) and
 * returns the number of body bytes.
 */
export const httpGet = defineBuiltinTask(
  function httpGet(url: string): Promise<number> {
    const http = require("node:http") as typeof import("node:http");
    return new Promise((resolve, reject) => {
      const request = http.get(url, { agent: false }, (response) => {
        let bytes = 0;
        response.on("data", (chunk: Buffer) => (bytes += chunk.length));
        response.on("end", () => (response.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${response.statusCode} from ${url}`))));
        response.on("error", reject);
      });
      request.on("error", reject);
    });
  },
  {
    kind: "io",
    python: "http_get",
    checkArgs: ([url]) => {
      if (typeof url !== "string" || !/^http:\/\//.test(url)) {
        throw typeError("args[0] (url)", "an http:// URL", url, "start a server with startDelayServer() and pass its url");
      }
    },
  },
);

/** Reads the file at `path` and returns its size in bytes (a real read through libuv's thread pool). */
export const readFileTask = defineBuiltinTask(
  async function readFileTask(path: string): Promise<number> {
    const fs = require("node:fs/promises") as typeof import("node:fs/promises");
    return (await fs.readFile(path)).length;
  },
  {
    kind: "io",
    python: "read_file",
    checkArgs: ([path]) => {
      if (typeof path !== "string" || path === "") {
        throw typeError("args[0] (path)", "a file path", path, "create one with makeTestFile(bytes)");
      }
    },
  },
);
