/**
 * Executes a notebook on a kernel of a running Jupyter server through @jupyterlab/services and
 * returns it with its outputs, the way nbclient does: stream, display_data, update_display_data
 * (by display id, across cells), execute_result, error and clear_output.
 */
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Kernel, KernelMessage, Session } from "@jupyterlab/services";
import { KernelManager, ServerConnection, SessionManager } from "@jupyterlab/services";
import WebSocket from "ws";
import { JupyterSetupError, NotebookCellError } from "./errors";
import type { JupyterServer } from "./jupyter-server";
import { readNotebook, sourceText, type CodeCell, type DisplayDataOutput, type Notebook, type Output } from "./nbformat";

export interface ExecuteOptions {
  /** Kernel name. Default `tslab`. */
  readonly kernelName?: string;
  /** Longest a single cell may run before it is interrupted and the run fails. Default 180 s. */
  readonly cellTimeoutMs?: number;
  /** Longest the kernel may take to start. Default 60 s. */
  readonly kernelStartTimeoutMs?: number;
  /** Called before each code cell runs (1-based cell position). */
  readonly onCell?: (cell: number, of: number) => void;
}

/** What within() resolves to when the time ran out first. */
export class Timeout {
  constructor(readonly ms: number) {}
}

/** The promise's value, or a Timeout once `ms` have passed without it. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | Timeout> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Timeout>((resolve) => (timer = setTimeout(() => resolve(new Timeout(ms)), ms)));
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects one notebook's outputs, including display updates that arrive for earlier cells. */
class OutputCollector {
  private readonly displays = new Map<string, DisplayDataOutput[]>();

  displayIdOf(msg: KernelMessage.IIOPubMessage): string | undefined {
    const transient = (msg.content as { transient?: { display_id?: unknown } }).transient;
    return typeof transient?.display_id === "string" ? transient.display_id : undefined;
  }

  update(msg: KernelMessage.IUpdateDisplayDataMsg): void {
    const id = this.displayIdOf(msg);
    for (const output of (id && this.displays.get(id)) || []) {
      output.data = msg.content.data as Record<string, unknown>;
      output.metadata = msg.content.metadata as Record<string, unknown>;
    }
  }

  /** Returns the handler that appends this cell's outputs to `cell.outputs`. */
  forCell(cell: CodeCell): (msg: KernelMessage.IIOPubMessage) => void {
    let clearOnNext = false;
    const append = (output: Output): void => {
      if (clearOnNext) {
        cell.outputs.length = 0;
        clearOnNext = false;
      }
      const last = cell.outputs[cell.outputs.length - 1];
      if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
        last.text += output.text;
      } else {
        cell.outputs.push(output);
      }
    };
    return (msg) => {
      const content = msg.content as Record<string, unknown>;
      switch (msg.header.msg_type) {
        case "stream":
          append({ output_type: "stream", name: content.name === "stderr" ? "stderr" : "stdout", text: String(content.text) });
          break;
        case "display_data": {
          const output: DisplayDataOutput = {
            output_type: "display_data",
            data: content.data as Record<string, unknown>,
            metadata: (content.metadata as Record<string, unknown>) ?? {},
          };
          append(output);
          const id = this.displayIdOf(msg);
          if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), output]);
          break;
        }
        case "execute_result":
          append({
            output_type: "execute_result",
            execution_count: (content.execution_count as number | null) ?? null,
            data: content.data as Record<string, unknown>,
            metadata: (content.metadata as Record<string, unknown>) ?? {},
          });
          break;
        case "error":
          append({
            output_type: "error",
            ename: String(content.ename),
            evalue: String(content.evalue),
            traceback: (content.traceback as string[]) ?? [],
          });
          break;
        case "clear_output":
          if (content.wait) clearOnNext = true;
          else cell.outputs.length = 0;
          break;
        default:
          break; // status, execute_input, update_display_data (handled for every cell)
      }
    };
  }
}

function errorText(cell: CodeCell): string {
  const error = cell.outputs.find((o) => o.output_type === "error");
  if (error && error.output_type === "error") {
    // eslint-disable-next-line no-control-regex
    const traceback = error.traceback.join("\n").replace(/\u001b\[[0-9;]*m/g, "");
    return traceback || `${error.ename}: ${error.evalue}`;
  }
  // tslab reports TypeScript errors as stderr text with an error reply and no `error` message.
  const stderr = cell.outputs.filter((o) => o.output_type === "stream" && o.name === "stderr");
  const text = stderr.map((o) => (o.output_type === "stream" ? o.text : "")).join("").trim();
  return text || "the kernel reported an error without any message";
}

/**
 * Waits for a new kernel connection's `info`. Its first kernel_info request resolves `info` only
 * once the reply and the request's idle status have both come back; the status travels on IOPub,
 * which may not be subscribed yet when a new kernel answers (a FIXME in @jupyterlab/services), so
 * the request is sent once more halfway through `timeoutMs` before giving up.
 */
export async function kernelAnswers(kernel: Pick<Kernel.IKernelConnection, "info" | "requestKernelInfo">, timeoutMs: number): Promise<"answered" | "answered when asked again" | "no answer"> {
  if (!((await within(kernel.info, timeoutMs / 2)) instanceof Timeout)) return "answered";
  kernel.requestKernelInfo().catch(() => undefined);
  return (await within(kernel.info, timeoutMs / 2)) instanceof Timeout ? "no answer" : "answered when asked again";
}

async function startKernel(server: JupyterServer, notebookPath: string, options: ExecuteOptions): Promise<{
  session: Session.ISessionConnection;
  kernel: Kernel.IKernelConnection;
  dispose: () => Promise<void>;
  /** Whether the kernel answered only the second kernel_info request. */
  infoAskedAgain: boolean;
}> {
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  const kernelManager = new KernelManager({ serverSettings });
  const sessionManager = new SessionManager({ kernelManager, serverSettings });
  // Their first poll rejects once they are disposed; that is expected on every error path.
  kernelManager.ready.catch(() => undefined);
  sessionManager.ready.catch(() => undefined);
  const kernelName = options.kernelName ?? "tslab";
  const relative = path.relative(server.rootDir, path.resolve(notebookPath)).split(path.sep).join("/");
  const timeoutMs = options.kernelStartTimeoutMs ?? 60_000;
  let session: Session.ISessionConnection | undefined;
  const dispose = async (): Promise<void> => {
    try {
      await session?.shutdown();
    } catch {
      // the server may already be gone; JupyterServer.stop() reaches the kernel process anyway
    }
    sessionManager.dispose();
    kernelManager.dispose();
  };
  try {
    const started = await within(
      sessionManager.startNew({ path: relative, type: "notebook", name: path.basename(relative), kernel: { name: kernelName } }),
      timeoutMs,
    );
    if (started instanceof Timeout) throw new JupyterSetupError(`the ${kernelName} kernel session did not start within ${timeoutMs / 1000} s`);
    session = started;
    const kernel = session.kernel;
    if (!kernel) throw new JupyterSetupError(`the server started a session for ${relative} without a ${kernelName} kernel`);
    const answer = await kernelAnswers(kernel, timeoutMs);
    if (answer === "no answer") {
      throw new JupyterSetupError(
        `the ${kernelName} kernel did not answer within ${timeoutMs / 1000} s, asked twice (status: ${kernel.status}); run \`npm run setup\` to reinstall the kernelspec`,
      );
    }
    return { session, kernel, dispose, infoAskedAgain: answer === "answered when asked again" };
  } catch (error) {
    await dispose();
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof JupyterSetupError) throw new JupyterSetupError(`${message}\n${server.logTail(10)}`);
    throw new JupyterSetupError(
      `could not start a ${kernelName} kernel for ${relative}: ${message}; is the kernelspec installed? run \`npm run setup\`\n${server.logTail(10)}`,
    );
  }
}

/** What one execute request came back with. */
export interface ExecuteOutcome {
  readonly status: "ok" | "error" | "abort" | "aborted" | "timeout";
  readonly executionCount: number | null;
  readonly outputs: Output[];
}

/**
 * One kernel session on a running server, for executing code cell by cell: the notebook runner
 * uses it, and so do the kernel-level tests that interrupt or restart a kernel mid-cell.
 */
export class KernelClient {
  private readonly collector = new OutputCollector();
  private readonly onAnyIOPub = (_: unknown, msg: KernelMessage.IIOPubMessage): void => {
    if (msg.header.msg_type === "update_display_data") this.collector.update(msg as KernelMessage.IUpdateDisplayDataMsg);
    this.listeners.forEach((listener) => listener(msg));
  };
  private readonly listeners = new Set<(msg: KernelMessage.IIOPubMessage) => void>();

  private constructor(
    readonly kernel: Kernel.IKernelConnection,
    private readonly disposeSession: () => Promise<void>,
    /** Whether the kernel answered only the second kernel_info request at start (the first lost on a not yet subscribed IOPub). */
    readonly infoAskedAgain: boolean,
  ) {
    kernel.iopubMessage.connect(this.onAnyIOPub);
  }

  /** Starts a kernel whose working directory is the folder of `notebookPath`. */
  static async start(server: JupyterServer, notebookPath: string, options: ExecuteOptions = {}): Promise<KernelClient> {
    const { kernel, dispose, infoAskedAgain } = await startKernel(server, notebookPath, options);
    return new KernelClient(kernel, dispose, infoAskedAgain);
  }

  /** Sees every IOPub message of the kernel (all cells, all message types) until the returned function is called. */
  watch(listener: (msg: KernelMessage.IIOPubMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Executes `code` and collects its outputs into `cell.outputs` (a fresh cell if none is given).
   * On timeout the kernel is interrupted and the outcome says "timeout".
   */
  async execute(code: string, options: { timeoutMs?: number; cell?: CodeCell } = {}): Promise<ExecuteOutcome> {
    const cell: CodeCell = options.cell ?? { cell_type: "code", source: code, metadata: {}, execution_count: null, outputs: [] };
    const future = this.kernel.requestExecute({ code, stop_on_error: true, allow_stdin: false, store_history: true });
    future.onIOPub = this.collector.forCell(cell);
    const reply = await within(future.done, options.timeoutMs ?? 180_000);
    if (reply instanceof Timeout) {
      await this.kernel.interrupt().catch(() => undefined);
      await within(future.done, 5_000).catch(() => undefined);
      return { status: "timeout", executionCount: null, outputs: cell.outputs };
    }
    const content = reply.content as KernelMessage.IExecuteReplyMsg["content"];
    return { status: content.status, executionCount: content.execution_count ?? null, outputs: cell.outputs };
  }

  /** Sends an interrupt (SIGINT to the kernel's process group). */
  interrupt(): Promise<void> {
    return this.kernel.interrupt();
  }

  /** Restarts the kernel (Jupyter shuts the old process down and starts a new one). */
  async restart(): Promise<void> {
    await this.kernel.restart();
  }

  get status(): string {
    return this.kernel.status;
  }

  /** Shuts the kernel down and closes the session. Safe to call twice. */
  async shutdown(): Promise<void> {
    this.kernel.iopubMessage.disconnect(this.onAnyIOPub);
    await this.disposeSession();
  }
}

/**
 * Runs every code cell of the notebook at `notebookPath` in order on a fresh kernel of `server`
 * (its working directory is the notebook's folder), and returns the notebook with outputs.
 * Throws {@link NotebookCellError} naming the cell on the first error or timeout.
 */
export async function executeNotebook(server: JupyterServer, notebookPath: string, options: ExecuteOptions = {}): Promise<Notebook> {
  const notebook = readNotebook(notebookPath);
  const cellTimeoutMs = options.cellTimeoutMs ?? 180_000;
  const client = await KernelClient.start(server, notebookPath, options);
  const codeCells = notebook.cells.filter((c) => c.cell_type === "code").length;
  let codeIndex = 0;
  try {
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      cell.outputs = [];
      cell.execution_count = null;
      const code = sourceText(cell.source);
      if (code.trim() === "") continue;
      options.onCell?.(index + 1, codeCells);
      codeIndex++;
      const outcome = await client.execute(code, { timeoutMs: cellTimeoutMs, cell });
      if (outcome.status === "timeout") {
        throw new NotebookCellError(notebookPath, index + 1, "timeout", `no reply after ${cellTimeoutMs / 1000} s; the cell was interrupted\n${errorText(cell)}`);
      }
      cell.execution_count = outcome.executionCount ?? codeIndex;
      if (outcome.status !== "ok") {
        throw new NotebookCellError(notebookPath, index + 1, "error", errorText(cell));
      }
      if (client.status === "dead") {
        throw new NotebookCellError(notebookPath, index + 1, "kernel-died", "the kernel died while the cell ran");
      }
    }
    // Let display updates sent at the end of the last cell arrive before the kernel goes.
    await sleep(200);
  } finally {
    await client.shutdown();
  }
  notebook.metadata = {
    ...notebook.metadata,
    kernelspec: { name: options.kernelName ?? "tslab", display_name: "TypeScript", language: "typescript" },
  };
  return notebook;
}
