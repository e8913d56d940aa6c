/**
 * A loopback HTTP server that answers each request after a fixed delay: the "slow network
 * service" of the I/O experiments, real sockets without leaving the machine. It binds 127.0.0.1
 * and answers only requests that carry its random token.
 *
 * By default it runs in this process. With `inChildProcess: true` it runs in a small child
 * process (delay-server-child.js), so that this process holds only the client ends of the
 * connections: 10,000 concurrent requests then need about 10,000 file descriptors here instead of
 * 20,000. The child is killed on close(), when this process exits, on a kernel shutdown, and it
 * ends by itself when this process dies.
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { checkInteger, typeError } from "../errors";
import { exited, killIfRunning, PARENT_PID_ENV } from "../runtime/child-life";
import { withinGrace } from "../runtime/deadline";
import { trackPool, untrackPool } from "../runtime/lifecycle";

export interface DelayServerOptions {
  /** How long each response waits (ms). @default 100 */
  readonly delayMs?: number;
  /** Size of each response body (bytes). @default 1024 */
  readonly bodyBytes?: number;
  /**
   * Run the server in a child process instead of this one, so that the sockets of its side do
   * not count against this process's open-file limit. @default false
   */
  readonly inChildProcess?: boolean;
}

export interface DelayServerCounts {
  /** Requests answered so far (with the token). */
  readonly answered: number;
  /** Requests refused for a missing or wrong token. */
  readonly refused: number;
}

export interface DelayServer {
  /** The URL to request, token included: pass it to httpGet. */
  readonly url: string;
  readonly port: number;
  /**
   * Requests answered so far (with the token). With `inChildProcess` it is the child's last
   * report and may lag by a few milliseconds; `await counts()` gives the exact number.
   */
  readonly answered: number;
  /** Requests refused for a missing or wrong token (see `answered` on lag). */
  readonly refused: number;
  /** Pid of the process that serves: this one, or the child with `inChildProcess`. */
  readonly pid: number;
  /** The exact counts, asked of the serving process. */
  counts(): Promise<DelayServerCounts>;
  /** Stops serving, drops open connections and, with `inChildProcess`, ends the child. Safe to call twice. */
  close(): Promise<void>;
}

/** The child's side of the conversation (see delay-server-child.ts). */
export type DelayChildMessage =
  | { readonly type: "ready"; readonly port: number; readonly token: string }
  | { readonly type: "counts"; readonly id?: number; readonly answered: number; readonly refused: number }
  | { readonly type: "failed"; readonly message: string };

export type DelayParentMessage =
  | { readonly type: "start"; readonly delayMs: number; readonly bodyBytes: number }
  | { readonly type: "counts"; readonly id: number }
  | { readonly type: "close" };

/** The environment variable through which the child learns its parent's pid. */

const CHILD_MODULE = path.join(__dirname, "delay-server-child.js");
/** How long close() waits for the child to exit by itself before it is killed. */
const CHILD_CLOSE_GRACE_MS = 2_000;

/** The server itself, in whatever process runs it. */
export interface LocalDelayServer {
  readonly port: number;
  readonly token: string;
  counts(): DelayServerCounts;
  close(): Promise<void>;
}

/** Starts the HTTP server on 127.0.0.1 in this process (the child module uses it too). */
export async function listenDelayServer(delayMs: number, bodyBytes: number, onCount?: () => void): Promise<LocalDelayServer> {
  const token = randomBytes(16).toString("hex");
  const body = Buffer.alloc(bodyBytes, "x");
  let answered = 0;
  let refused = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.searchParams.get("token") !== token) {
      refused++;
      onCount?.();
      response.writeHead(403).end("token required");
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answered++;
      onCount?.();
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length, connection: "close" }).end(body);
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", backlog: 16_384 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    token,
    counts: () => ({ answered, refused }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}

function urlOf(port: number, token: string): string {
  return `http://127.0.0.1:${port}/?token=${token}`;
}

async function inThisProcess(delayMs: number, bodyBytes: number): Promise<DelayServer> {
  const local = await listenDelayServer(delayMs, bodyBytes);
  return {
    url: urlOf(local.port, local.token),
    port: local.port,
    pid: process.pid,
    get answered() {
      return local.counts().answered;
    },
    get refused() {
      return local.counts().refused;
    },
    counts: async () => local.counts(),
    close: () => local.close(),
  };
}


async function inChildProcess(delayMs: number, bodyBytes: number): Promise<DelayServer> {
  const child = fork(CHILD_MODULE, [], {
    // The child prints nothing unless it fails; its stderr is passed on to this process's, which
    // a kernel shows in the cell (a forked child's own output would go to the server's log).
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    execArgv: [],
    // Out of the kernel's process group, so a Jupyter interrupt cannot kill it while it starts.
    detached: true,
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
    serialization: "json",
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => process.stderr.write(chunk));
  let latest: DelayServerCounts = { answered: 0, refused: 0 };
  let nextId = 0;
  const waiting = new Map<number, (counts: DelayServerCounts) => void>();
  let gone = false;
  const killNow = (): void => killIfRunning(child);
  const exitHook = (): void => killNow();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      untrackPool(handle);
      if (!gone && child.connected) {
        child.send({ type: "close" } satisfies DelayParentMessage);
        await withinGrace(exited(child), CHILD_CLOSE_GRACE_MS);
      }
      killNow();
      await exited(child);
      process.off("exit", exitHook);
    })());
  const handle = { killNow, destroy: close };
  process.on("exit", exitHook);
  trackPool(handle);
  child.once("exit", () => {
    gone = true;
    for (const resolve of waiting.values()) resolve(latest);
    waiting.clear();
  });

  const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      reject(new Error(`the delay server's child process exited before it listened (code ${code}, signal ${signal}); see its stderr above`));
    child.once("exit", onExit);
    child.on("message", (message: DelayChildMessage) => {
      if (message.type === "ready") {
        child.off("exit", onExit);
        resolve(message);
      } else if (message.type === "failed") {
        child.off("exit", onExit);
        reject(new Error(`the delay server's child process could not listen: ${message.message}`));
      } else if (message.type === "counts") {
        latest = { answered: message.answered, refused: message.refused };
        if (message.id !== undefined) {
          waiting.get(message.id)?.(latest);
          waiting.delete(message.id);
        }
      }
    });
    child.send({ type: "start", delayMs, bodyBytes } satisfies DelayParentMessage);
  }).catch(async (error: unknown) => {
    await close();
    throw error;
  });

  return {
    url: urlOf(ready.port, ready.token),
    port: ready.port,
    pid: child.pid ?? -1,
    get answered() {
      return latest.answered;
    },
    get refused() {
      return latest.refused;
    },
    counts: () =>
      gone || !child.connected
        ? Promise.resolve(latest)
        : new Promise<DelayServerCounts>((resolve) => {
            const id = nextId++;
            waiting.set(id, resolve);
            child.send({ type: "counts", id } satisfies DelayParentMessage);
          }),
    close,
  };
}

export async function startDelayServer(options: DelayServerOptions = {}): Promise<DelayServer> {
  if (typeof options !== "object" || options === null) {
    throw typeError("options", "an object like { delayMs: 100 }", options, "pass the options object, or nothing for the defaults");
  }
  const delayMs = checkInteger("options.delayMs", options.delayMs ?? 100, 0, 600_000, "a delay in whole milliseconds");
  const bodyBytes = checkInteger("options.bodyBytes", options.bodyBytes ?? 1024, 0, 64 * 1024 * 1024, "a body size in bytes");
  const child = options.inChildProcess ?? false;
  if (typeof child !== "boolean") {
    throw typeError("options.inChildProcess", "true or false", child, "leave it out to serve from this process");
  }
  return child ? inChildProcess(delayMs, bodyBytes) : inThisProcess(delayMs, bodyBytes);
}
