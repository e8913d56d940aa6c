/**
 * A private `jupyter server` for running notebooks: loopback only, a random token, a free port,
 * its own process group, and a stop() that leaves no kernel or child behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { HOST, jupyterArgs, tryPort, withParentDeathSignal } from "../../scripts/jupyter-launch.cjs";
import { jupyterEnv, NOTEBOOKS_DIR, venvExecutable } from "../paths";
import { descendants, isAlive, signal } from "../proc";
import { JupyterSetupError } from "./errors";

export interface JupyterServerOptions {
  /** Folder the server serves; notebook paths are relative to it. Default: `notebooks/`. */
  readonly rootDir?: string;
  /** Port on 127.0.0.1. Default: a free one. */
  readonly port?: number;
  /** How long to wait for the server to answer. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** The `jupyter` executable. Default: the project's `.venv`. */
  readonly jupyter?: string;
}

/** Asks the OS for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const port = await tryPort(0);
  if (port === false) throw new Error(`no free port on ${HOST}`);
  return port;
}

/** Resolves true when something already listens on this loopback port. */
export async function portInUse(port: number): Promise<boolean> {
  return (await tryPort(port)) === false;
}

export class JupyterServer {
  private readonly exitHook = (): void => this.killEverything("SIGKILL");
  private known = new Set<number>();
  private stopped = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly token: string,
    readonly rootDir: string,
    private readonly log: string[],
    private readonly scratchDir: string,
  ) {
    process.once("exit", this.exitHook);
  }

  get baseUrl(): string {
    return `http://${HOST}:${this.port}/`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last lines the server wrote, for error messages. */
  logTail(lines = 20): string {
    return this.log.join("").split("\n").slice(-lines).join("\n");
  }

  static async start(options: JupyterServerOptions = {}): Promise<JupyterServer> {
    const jupyter = options.jupyter ?? venvExecutable("jupyter");
    if (!existsSync(jupyter)) {
      throw new JupyterSetupError(`${jupyter} not found: the Python environment is missing; run \`npm run setup\``);
    }
    if (options.port !== undefined && (await portInUse(options.port))) {
      throw new JupyterSetupError(`port ${options.port} on ${HOST} is already in use; pick another port or stop the program that holds it`);
    }
    const port = options.port ?? (await freePort());
    const token = randomBytes(24).toString("hex");
    const rootDir = options.rootDir ?? NOTEBOOKS_DIR;
    const args = jupyterArgs({ app: "server", port, token, rootDir, openBrowser: false });
    const log: string[] = [];
    // Its own process group (so stop() can signal everything in it), which nothing reaches when
    // this process is killed outright: the parent-death signal ends it then.
    const [command, commandArgs] = withParentDeathSignal(jupyter, args);
    // Runtime files, IPython's profile and npm's logs go to a folder of this server's, not to HOME.
    const scratch = mkdtempSync(path.join(tmpdir(), "conclab-jupyter-"));
    const child = spawn(command, commandArgs, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: jupyterEnv(process.env, scratch) });
    const keep = (chunk: Buffer): void => {
      log.push(chunk.toString("utf8"));
      if (log.length > 400) log.splice(0, log.length - 400);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const server = new JupyterServer(child, port, token, rootDir, log, scratch);
    try {
      await server.waitUntilReady(options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: number | null = null;
    this.child.once("exit", (code) => (exited = code ?? -1));
    while (Date.now() < deadline) {
      if (exited !== null) {
        throw new JupyterSetupError(`jupyter server exited with code ${exited} before it answered:\n${this.logTail()}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}api/status`, { headers: { Authorization: `token ${this.token}` } });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    throw new JupyterSetupError(`jupyter server did not answer on port ${this.port} within ${timeoutMs / 1000} s:\n${this.logTail()}`);
  }

  /** Remembers the processes below the server (kernels and their children) so stop() can reach them. */
  private snapshot(): void {
    if (this.pid > 0) for (const pid of descendants(this.pid)) this.known.add(pid);
  }

  private killEverything(sig: NodeJS.Signals): void {
    this.snapshot();
    if (this.pid > 0) {
      try {
        process.kill(-this.pid, sig); // the server's process group
      } catch {
        // group already gone
      }
    }
    for (const pid of this.known) signal(pid, sig);
  }

  /**
   * Stops the server and everything below it: kernels (which run in sessions of their own), their
   * workers and children. Polite first (SIGTERM), then SIGKILL after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.killEverything("SIGTERM");
    const deadline = Date.now() + graceMs;
    const alive = (): number[] => [this.pid, ...this.known].filter((pid) => pid > 0 && isAlive(pid));
    while (alive().length > 0 && Date.now() < deadline) await sleep(100);
    if (alive().length > 0) {
      this.killEverything("SIGKILL");
      const hardDeadline = Date.now() + 3_000;
      while (alive().length > 0 && Date.now() < hardDeadline) await sleep(50);
    }
    process.removeListener("exit", this.exitHook);
    rmSync(this.scratchDir, { recursive: true, force: true });
  }
}
