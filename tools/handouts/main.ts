/**
 * `npm run handouts [-- [--out DIR] [NOTEBOOK…]]`: executes every notebook of notebooks/ (or the
 * ones named) on the tslab kernel and writes DIR/handouts/NN-name.html (one self-contained page
 * each), DIR/handouts/index.html and DIR/notebooks/NN-name.ipynb (the executed notebooks). DIR is
 * dist/ by default. A failing notebook stops the run, names the notebook, cell and error, and
 * leaves DIR as it was.
 */
import "../quiet-services";
import * as path from "node:path";
import { PROJECT_ROOT } from "../paths";
import { JupyterSetupError, NotebookCellError } from "../runner/errors";
import { courseNotebooks } from "../runner/notebook-list";
import { buildHandouts, HandoutExportError } from "./export";
import { dateLine, machineLine } from "./index-page";

const USAGE = "usage: npm run handouts [-- [--out DIR] [NOTEBOOK.ipynb…]]  (DIR defaults to dist/)";

function size(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MB`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let outDir = path.join(PROJECT_ROOT, "dist");
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (arg === "--out") {
      const value = argv[++i];
      if (!value) {
        process.stderr.write(`--out needs a folder\n${USAGE}\n`);
        return 2;
      }
      outDir = path.resolve(value);
    } else if (arg.startsWith("-")) {
      process.stderr.write(`unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else {
      files.push(path.resolve(arg));
    }
  }
  const notebooks = files.length > 0 ? files : courseNotebooks();
  if (notebooks.length === 0) {
    process.stderr.write("no notebooks found in notebooks/\n");
    return 1;
  }
  const relative = (file: string): string => path.relative(process.cwd(), file) || file;
  const started = Date.now();
  const result = await buildHandouts({
    notebooks,
    outDir,
    execute: { onCell: () => process.stdout.write(".") },
    onNotebook: (file, position, of) => process.stdout.write(`[${position}/${of}] ${relative(file)} `),
    onHandout: (h) => {
      process.stdout.write(` ok (${h.seconds.toFixed(1)} s), ${h.file} ${size(h.bytes)}\n`);
      for (const warning of h.warnings) process.stdout.write(`  warning: ${h.file}: ${warning}\n`);
    },
  });
  process.stdout.write(
    `\n${result.handouts.length} handout${result.handouts.length === 1 ? "" : "s"} in ${relative(path.dirname(result.index))}/ ` +
      `(index: ${relative(result.index)}), executed notebooks in ${relative(path.join(outDir, "notebooks"))}/, ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s\n` +
      `ran on ${machineLine(result.run)}, ${dateLine(result.run.date)}\n`,
  );
  return 0;
}

if (require.main === module) {
  // The server and its kernels are stopped by JupyterServer's exit hook; the staging folder by buildHandouts'.
  const interrupted = (): void => {
    process.stderr.write("\nhandouts: interrupted; the output folder was left as it was\n");
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stdout.write("\n");
      if (error instanceof NotebookCellError || error instanceof JupyterSetupError || error instanceof HandoutExportError || error instanceof TypeError) {
        process.stderr.write(`handouts: ${error.message}\n`);
      } else {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      }
      process.stderr.write("handouts: stopped; the output folder was left as it was\n");
      process.exit(1);
    },
  );
}
