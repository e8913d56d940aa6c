/**
 * A loopback HTTP server that answers each request after a fixed delay: the "slow network
 * service" of the I/O experiments, real sockets without leaving the machine. It binds 127.0.0.1
 * and answers only requests that carry its random token.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkInteger } from "../errors";

export interface DelayServerOptions {
  /** How long each response waits (ms). @default 100 */
  readonly delayMs?: number;
  /** Size of each response body (bytes). @default 1024 */
  readonly bodyBytes?: number;
}

export interface DelayServer {
  /** The URL to request, token included: pass it to httpGet. */
  readonly url: string;
  readonly port: number;
  /** Requests answered so far (with the token). */
  readonly answered: number;
  /** Requests refused for a missing or wrong token. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startDelayServer(options: DelayServerOptions = {}): Promise<DelayServer> {
  const delayMs = checkInteger("options.delayMs", options.delayMs ?? 100, 0, 600_000, "a delay in whole milliseconds");
  const bodyBytes = checkInteger("options.bodyBytes", options.bodyBytes ?? 1024, 0, 64 * 1024 * 1024, "a body size in bytes");
  const token = randomBytes(16).toString("hex");
  const body = Buffer.alloc(bodyBytes, "x");
  let answered = 0;
  let refused = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.searchParams.get("token") !== token) {
      refused++;
      response.writeHead(403).end("token required");
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answered++;
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length, connection: "close" }).end(body);
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", backlog: 16_384 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    get answered() {
      return answered;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
