/**
 * A copy of the project's source inside test-artifacts/ (so its imports still find node_modules),
 * for the tests that add a strategy or a chapter the way a contributor would and check that only
 * the files they mean to touch changed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../tools/paths";

/** A fresh copy of `entries` (paths relative to the project) under test-artifacts/, named `prefix…`. */
export function copyOfProject(prefix: string, entries: readonly string[]): string {
  const artifacts = path.join(PROJECT_ROOT, "test-artifacts");
  mkdirSync(artifacts, { recursive: true });
  const copy = mkdtempSync(path.join(artifacts, prefix));
  for (const entry of entries) cpSync(path.join(PROJECT_ROOT, entry), path.join(copy, entry), { recursive: true });
  return copy;
}

/** A tsconfig.json in `copy` that compiles its src and kernel-ext to dist/, as the project's settings do. */
export function libraryConfig(copy: string): void {
  writeFileSync(
    path.join(copy, "tsconfig.json"),
    JSON.stringify({ extends: path.join(PROJECT_ROOT, "tsconfig.base.json"), compilerOptions: { rootDir: ".", outDir: "dist" }, include: ["src", "kernel-ext"] }),
  );
}

/** Files under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name), path.join(prefix, entry.name)) : [path.join(prefix, entry.name)],
  );
}

/** The files under `dirs` of `copy` that differ from the project's, or that it lacks, sorted. */
export function changedFiles(copy: string, dirs: readonly string[]): string[] {
  return dirs
    .flatMap((dir) => filesUnder(path.join(copy, dir)).map((f) => path.join(dir, f)))
    .filter((file) => {
      try {
        return readFileSync(path.join(PROJECT_ROOT, file), "utf8") !== readFileSync(path.join(copy, file), "utf8");
      } catch {
        return true; // not in the original: added
      }
    })
    .sort();
}

/** Adds `importLine` after the last import of the copy's descriptor table, and `descriptors` at the table's end. */
function addDescriptors(copy: string, importLine: string, descriptors: string): void {
  const table = path.join(copy, "src", "strategies", "descriptors.ts");
  const source = readFileSync(table, "utf8");
  const tableEnd = source.indexOf("] as const);");
  const lastImport = source.lastIndexOf("\nimport ");
  assert.ok(tableEnd > 0 && lastImport > 0, "the descriptor table ends with `] as const);` after the imports");
  const importEnd = source.indexOf("\n", lastImport + 1) + 1;
  writeFileSync(table, source.slice(0, importEnd) + importLine + source.slice(importEnd, tableEnd) + descriptors + source.slice(tableEnd));
}

/**
 * Adds a strategy to `copy` as a contributor would: its runner as `src/strategies/<file>`, its
 * descriptors in the table (after `importLine`), checks that those two files are all that changed,
 * and compiles the copy.
 */
export function addStrategy(copy: string, file: string, runner: string, importLine: string, descriptors: string): void {
  writeFileSync(path.join(copy, "src", "strategies", file), runner);
  addDescriptors(copy, importLine, descriptors);
  assert.deepEqual(changedFiles(copy, ["src", "kernel-ext"]), ["src/strategies/descriptors.ts", `src/strategies/${file}`]);
  compileCopy(copy);
}

/** Compiles `config` in `copy` with the project's TypeScript; fails the test with the compiler's output. */
export function compileCopy(copy: string, config = "tsconfig.json"): void {
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(copy, config)], { cwd: copy, encoding: "utf8" });
  assert.equal(tsc.status, 0, `the copy compiles (${config}):\n${tsc.stdout}${tsc.stderr}`);
}
