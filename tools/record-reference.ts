/**
 * `npm run record-reference [-- --out DIR]`: records what the course's experiments measure on this
 * machine (every chapter's short version, and the speedup curve with CPUs busy in Node and
 * CPython) as reference/<machine>.json. Needs only Node and the built project, so that it can run
 * on a many-core machine lent for a few minutes, with no Jupyter and no network.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { readReference, recordReference, referenceFileName } from "conclab/internal";
import { PROJECT_ROOT } from "./paths";

const USAGE = "usage: npm run record-reference [-- --out DIR]   (default DIR: reference/ in the repository)";

async function main(argv: readonly string[]): Promise<void> {
  let out = path.join(PROJECT_ROOT, "reference");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = path.resolve(argv[++i]!);
    else if (argv[i] === "--help") return void console.log(USAGE);
    else throw new RangeError(`unknown argument ${JSON.stringify(argv[i])}; ${USAGE}`);
  }
  const command = ["npm run record-reference", ...(argv.length ? ["--", ...argv] : [])].join(" ");
  const started = Date.now();
  const recording = await recordReference(command, { onStep: (step) => console.error(`record-reference: ${step} (${((Date.now() - started) / 1000).toFixed(0)} s)`) });
  const file = path.join(out, referenceFileName(recording.machine));
  readReference(JSON.parse(JSON.stringify(recording)), file);
  mkdirSync(out, { recursive: true });
  writeFileSync(file, `${JSON.stringify(recording, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}: ${recording.machine.cores} CPUs (${recording.machine.cpuModel}), ${Object.keys(recording.sections).length} sections, ${recording.curve.length} curve points, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
