/**
 * What answers at a Redis URL: the job queue chapter checks a reader's own server
 * (CONCLAB_REDIS_URL) with this before BullMQ touches it, so that a wrong address or password is
 * one clear sentence instead of ioredis reconnecting forever. A password never reaches a message.
 */
import { Redis } from "ioredis";
import { AbortError, checkInteger, throwIfAborted, typeError } from "../errors";

/** What connectionCheck found at a URL. */
export interface ServerCheck {
  /** Valkey reports `valkey_version` in INFO (beside a Redis-compatible `redis_version`); Redis does not. */
  readonly server: "valkey" | "redis";
  /** e.g. `9.1.2`. */
  readonly version: string;
  /** BullMQ wants `noeviction`; "unknown" where CONFIG is refused (managed Redis services). */
  readonly maxmemoryPolicy: string;
}

export interface ConnectionCheckOptions {
  /** How long the whole check may take, connection included (default 5000). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** What to do when the reader's server cannot be used. */
const OR_OWN = "or unset CONCLAB_REDIS_URL to use the course's own";
/** Errors of the connection itself (as opposed to an answer from a server). */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EPIPE"]);

/** The URL with its password (if any) written as `***`: the only form of it a message may show. */
export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    // Not a URL: hide whatever sits between the scheme and an @ all the same.
    return url.replace(/(\/\/)[^@/]*@/, "$1***@");
  }
}

function parseRedisUrl(url: unknown): URL {
  const fix = "pass a URL such as redis://:PASSWORD@127.0.0.1:6379 (rediss:// for TLS)";
  if (typeof url !== "string") throw typeError("url", "a redis:// or rediss:// URL", url, fix);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw typeError("url", "a redis:// or rediss:// URL", maskedUrl(url), fix);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw typeError("url", "a redis:// or rediss:// URL", maskedUrl(url), fix);
  return parsed;
}

/** The sentence for a failed check: unreachable, refused password, or whatever the server said. */
function explain(error: Error & { code?: string }, url: URL, masked: string): Error {
  const address = `${url.hostname || "127.0.0.1"}:${url.port || "6379"}`;
  const said = url.password ? error.message.split(decodeURIComponent(url.password)).join("***") : error.message;
  if (/^WRONGPASS/.test(said)) {
    return new Error(`the server at ${masked} refused the password in the URL (WRONGPASS); put the server's password in it as redis://:PASSWORD@${address}, ${OR_OWN}`);
  }
  if (/^NOAUTH/.test(said)) {
    return new Error(`the server at ${masked} needs a password (NOAUTH) and the URL gives none; write it as redis://:PASSWORD@${address}, ${OR_OWN}`);
  }
  if (error instanceof NoAnswer || (error.code !== undefined && UNREACHABLE.has(error.code)) || said === "Connection is closed.") {
    return new Error(`cannot reach a Redis server at ${masked} (${address}: ${error.code ?? said}); start the server, ${OR_OWN}`);
  }
  return new Error(`the server at ${masked} (${address}) answered with an error: ${said}`);
}

/** The check's own deadline passed (a server that accepted the connection but never answered). */
class NoAnswer extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** `name:value` lines of an INFO reply. */
function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/**
 * Connects to `url`, PINGs, reads `INFO server` and `CONFIG GET maxmemory-policy`, closes the
 * connection and says what it found. One try, no reconnect: an unreachable server, a wrong or
 * missing password, or no answer within `timeoutMs` rejects with an Error that names the URL
 * (password masked) and the fix. A URL that is not redis:// or rediss:// is a TypeError.
 */
export async function connectionCheck(url: string, options: ConnectionCheckOptions = {}): Promise<ServerCheck> {
  const parsed = parseRedisUrl(url);
  const timeoutMs = checkInteger("options.timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, 600_000, "pass how long the check may take, in milliseconds");
  const { signal } = options;
  throwIfAborted(signal);
  const masked = maskedUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // ioredis would otherwise reconnect and queue commands forever: one try, failures reported.
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // After a failed connection ioredis keeps a timer of this length (2 s by default), which would hold a script open.
    disconnectTimeout: 100,
  });
  let lastError: Error | undefined;
  client.on("error", (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(timeoutMs)), timeoutMs);
    onAbort = () => reject(new AbortError("the connection check was aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  const check = async (): Promise<ServerCheck> => {
    await client.connect();
    await client.ping();
    const info = await client.info("server");
    const valkey = infoField(info, "valkey_version");
    let maxmemoryPolicy = "unknown";
    try {
      const reply = (await client.config("GET", "maxmemory-policy")) as unknown;
      if (Array.isArray(reply) && typeof reply[1] === "string") maxmemoryPolicy = reply[1];
    } catch {
      // Managed services refuse CONFIG: the policy stays unknown.
    }
    return { server: valkey ? "valkey" : "redis", version: valkey ?? infoField(info, "redis_version") ?? "unknown", maxmemoryPolicy };
  };
  try {
    return await Promise.race([check(), stopped]);
  } catch (error) {
    if (error instanceof AbortError) throw error;
    // ioredis often rejects with "Connection is closed" after it emitted the real cause as an event.
    const cause = lastError && !(error instanceof NoAnswer) ? lastError : (error as Error);
    throw explain(cause, parsed, masked);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    stopped.catch(() => undefined);
    client.disconnect();
  }
}
