/**
 * `npm run run-notebooks [-- [--out DIR] [NOTEBOOK…]]`: executes notebooks on the tslab kernel
 * under a private Jupyter server and reports the first failing cell. With --out, writes each
 * executed notebook (with outputs) into DIR.
 */
import "./quiet-services";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { JupyterSetupError, NotebookCellError } from "./runner/errors";
import { executeNotebook } from "./runner/execute-notebook";
import { JupyterServer } from "./runner/jupyter-server";
import { courseNotebooks } from "./runner/notebook-list";

async function main(argv: string[]): Promise<number> {
  let outDir: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--out") {
      files.push(argv[i]!);
      continue;
    }
    outDir = argv[++i];
    if (!outDir) {
      process.stderr.write("--out needs a folder, e.g. --out dist/notebooks\n");
      return 2;
    }
  }
  const notebooks = files.length > 0 ? files.map((f) => path.resolve(f)) : courseNotebooks();
  const server = await JupyterServer.start({ rootDir: path.dirname(path.resolve(notebooks[0] ?? ".")) });
  const stop = (): void => {
    void server.stop().then(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    for (const file of notebooks) {
      const started = Date.now();
      process.stdout.write(`running ${path.relative(process.cwd(), file)} `);
      const executed = await executeNotebook(server, file, { onCell: () => process.stdout.write(".") });
      process.stdout.write(` ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      if (outDir) {
        mkdirSync(outDir, { recursive: true });
        writeFileSync(path.join(outDir, path.basename(file)), `${JSON.stringify(executed, null, 1)}\n`);
      }
    }
    return 0;
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stdout.write("\n");
    if (error instanceof NotebookCellError || error instanceof JupyterSetupError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    }
    process.exit(1);
  },
);
