/**
 * The layer rules themselves: .dependency-cruiser.cjs must report an upward import and a cycle,
 * and pass the library as it is (npm test runs the same check on the real tree first).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";

const CRUISER = path.join(PROJECT_ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

/** A small tree with the project's layer folders, one module per file given. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "conclab-layers-"));
  cpSync(path.join(PROJECT_ROOT, ".dependency-cruiser.cjs"), path.join(root, ".dependency-cruiser.cjs"));
  writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", strict: true }, include: ["src", "kernel-ext"] }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

function cruise(root: string, dirs: readonly string[] = ["src"]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [CRUISER, ...dirs, "--config", ".dependency-cruiser.cjs", "--output-type", "err"], { cwd: root, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the layer rules", () => {
  const roots: string[] = [];
  after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it("pass imports that go down the layers", () => {
    const root = tree({
      "src/measure/stats.ts": 'import { fail } from "../errors";\nexport const stat = fail;\n',
      "src/errors.ts": "export const fail = 1;\n",
      "src/experiment/compare.ts": 'import { stat } from "../measure/stats";\nexport const compare = stat;\n',
    });
    roots.push(root);
    const result = cruise(root);
    assert.equal(result.status, 0, result.output);
  });

  it("report an import from a lower layer into a higher one, naming both", () => {
    const root = tree({
      "src/measure/stats.ts": 'import { compare } from "../experiment/compare";\nexport const stat = compare;\n',
      "src/experiment/compare.ts": "export const compare = 1;\n",
    });
    roots.push(root);
    const result = cruise(root);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-upward-from-1: src\/measure\/stats\.ts → src\/experiment\/compare\.ts/);
  });

  it("report a cycle, and the library reaching into the tools", () => {
    const root = tree({
      "src/course/a.ts": 'import { b } from "./b";\nexport const a = b;\n',
      "src/course/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
      "src/figures/c.ts": 'import { t } from "../../tools/t";\nexport const c = t;\n',
      "tools/t.ts": "export const t = 1;\n",
    });
    roots.push(root);
    const result = cruise(root);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-circular/);
    assert.match(result.output, /library-stays-out-of-tools: src\/figures\/c\.ts → tools\/t\.ts/);
  });

  it("let the kernel adapter import the public entries only, naming the module it reached past them", () => {
    const root = tree({
      "src/errors.ts": "export const fail = 1;\n",
      "src/index.ts": 'export { fail } from "./errors";\n',
      "src/course/index.ts": "export const course = 1;\n",
      "kernel-ext/good.ts": 'import { fail } from "../src/index";\nimport { course } from "../src/course/index";\nexport const good = [fail, course];\n',
    });
    roots.push(root);
    assert.equal(cruise(root, ["src", "kernel-ext"]).status, 0);
    writeFileSync(path.join(root, "kernel-ext", "bad.ts"), 'import { fail } from "../src/errors";\nexport const bad = fail;\n');
    const result = cruise(root, ["src", "kernel-ext"]);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /kernel-uses-public-entries: kernel-ext\/bad\.ts → src\/errors\.ts/);
  });
});
