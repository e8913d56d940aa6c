/** Something went wrong setting up Jupyter: the message says what and what to do. */
export class JupyterSetupError extends Error {
  override readonly name = "JupyterSetupError";
}

/** A cell failed, timed out, or the kernel died while it ran. */
export class NotebookCellError extends Error {
  override readonly name = "NotebookCellError";
  constructor(
    /** Notebook path as given to the runner. */
    readonly notebook: string,
    /** 1-based position of the cell in the notebook, counting every cell as JupyterLab shows them. */
    readonly cell: number,
    readonly reason: "error" | "timeout" | "kernel-died",
    /** The kernel's traceback or error text. */
    readonly detail: string,
  ) {
    const what = reason === "timeout" ? "did not finish in time" : reason === "kernel-died" ? "lost its kernel" : "failed";
    super(`${notebook}, cell ${cell} ${what}:\n${detail}`);
  }
}
