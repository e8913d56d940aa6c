/**
 * Adding a chapter is its notebook, its module and its line in the registry. This test does it to
 * a copy of the project: it writes a stand-in chapter (a module with one claim and a short run, and
 * a notebook that reads like a chapter), adds it to src/course/registry.ts and touches nothing else
 * by hand, compiles the copy, and then sees the chapter where the course lists chapters: `npm run
 * nav` links it and puts it in the contents and the README's table, the summary gathers its claim
 * from its short run, and the structure test checks its notebook (and fails when the notebook is
 * missing). A list of chapters kept anywhere but the registry makes one of these fail.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CHAPTERS } from "conclab/course";
import { PROJECT_ROOT } from "../../tools/paths";
import { changedFiles, compileCopy, copyOfProject } from "../helpers/source-copy";

const ID = "08a-stand-in";
/** The chapter the stand-in goes before: the one after 08 in the registry now (the summary, or a chapter added since). */
const NEXT = CHAPTERS[CHAPTERS.findIndex((c) => c.id === "08-shared-state") + 1]!;
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const MODULE = `/** A stand-in chapter: one claim, decided on one number, and a short run that measures it. */
import type { Chapter, ChapterResults } from "../chapter";
import type { Claim } from "../claims";
import type { ExerciseResult } from "../exercise-kit";
import type { Question } from "../questions";

/** The stand-in's claim: a list of three numbers sums to 6. */
export function sumClaim(sum: number): Claim {
  return {
    id: "standin.sum", section: "${ID}", claim: "1 + 2 + 3 is 6.", measured: \`the sum came to \${sum}\`,
    verdict: sum === 6 ? "holds" : "differs", reason: sum === 6 ? "the sum is 6" : "the sum is not 6", rule: "holds if the sum is 6", kind: "test", nodeByDesign: null,
  };
}

export async function shortRun(): Promise<ChapterResults> {
  return { claims: [sumClaim([1, 2, 3].reduce((a, b) => a + b, 0))], data: {} };
}

const ASKED: Question = {
  id: "standin.sum",
  text: "What will 1 + 2 + 3 come to?",
  choices: { a: "6", b: "5", c: "7" },
  predicts: { a: "a sum of 6", b: "a sum of 5", c: "a sum of 7" },
  choose: ({ sum }) => (sum === 6 ? "a" : sum === 5 ? "b" : sum === 7 ? "c" : null),
};

/** The exercise: the reader's sum of 1, 2 and 3. */
export async function checkSum(answer: number): Promise<ExerciseResult> {
  return { exercise: "add it up", passed: answer === 6, message: answer === 6 ? "Done." : \`Not yet: \${answer} is not 6.\` };
}

export const chapter: Chapter = {
  id: "${ID}",
  title: "08a · A stand-in chapter",
  question: "Does a chapter added in three places show up everywhere?",
  about: "a stand-in that the registry test adds",
  claims: ["standin.sum"],
  questions: [ASKED],
  shortRun,
};
`;

const markdown = (text: string): object => ({ cell_type: "markdown", metadata: {}, source: text });
const code = (text: string): object => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: text });

const NOTEBOOK = {
  cells: [
    markdown("<!-- conclab:nav -->"),
    markdown("# 08a · A stand-in chapter\n\n> Does a chapter added in three places show up everywhere?"),
    code('import { saveResults, standIn } from "conclab/course";\nimport { predict, reveal, showCheck, showClaims } from "conclab/kernel";'),
    code('predict("standin.sum", "");'),
    code("const claims = (await standIn.shortRun()).claims;"),
    code("reveal(standIn.sumClaim(6));"),
    markdown("## What we measured"),
    code('showClaims(claims);\nsaveResults("08a-stand-in", claims);'),
    markdown("## Exercise: add it up"),
    code("showCheck(await standIn.checkSum(6));"),
    markdown("<!-- conclab:nav -->"),
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

function node(cwd: string, args: readonly string[]): { status: number | null; output: string } {
  // Without the runner's marker, a child `node --test` runs its files instead of reporting to this one.
  const { NODE_TEST_CONTEXT: _marker, ...env } = process.env;
  const run = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("adding a chapter: its notebook, its module and a line in the registry", () => {
  let copy = "";

  before(() => {
    copy = copyOfProject("chapter-", ["src", "kernel-ext", "tools", "test", "notebooks", "README.md", "tsconfig.base.json", "tsconfig.json"]);
    for (const entry of ["package.json", "course", "kernel", "internal"]) cpSync(path.join(PROJECT_ROOT, "conclab", entry), path.join(copy, "conclab", entry), { recursive: true });
    mkdirSync(path.join(copy, "node_modules"));
    symlinkSync("../conclab", path.join(copy, "node_modules", "conclab"));
    // The tools and the one test this needs, compiled as tsconfig.tools.json compiles them.
    writeFileSync(
      path.join(copy, "tsconfig.tools.json"),
      JSON.stringify({ extends: "./tsconfig.base.json", compilerOptions: { rootDir: ".", outDir: "build", lib: ["ES2022", "DOM"] }, files: ["tools/notebook-nav.ts", "test/unit/notebooks-structure.test.ts"] }),
    );
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("compiles with the chapter added, touching only its module, its notebook and the registry", () => {
    writeFileSync(path.join(copy, "src", "course", "chapters", `${ID}.ts`), MODULE);
    writeFileSync(path.join(copy, "notebooks", `${ID}.ipynb`), `${JSON.stringify(NOTEBOOK, null, 1)}\n`);
    const registry = path.join(copy, "src", "course", "registry.ts");
    const source = readFileSync(registry, "utf8");
    const sharedStateImport = 'import * as sharedState from "./chapters/08-shared-state";';
    const withImport = source.replace(sharedStateImport, `${sharedStateImport}\nimport * as standIn from "./chapters/${ID}";`);
    const withEntry = withImport.replace(/sharedState, /g, "sharedState, standIn, ");
    assert.notEqual(withEntry, withImport, "the registry lists its chapters as `…, sharedState, …`");
    writeFileSync(registry, withEntry);

    assert.deepEqual(changedFiles(copy, ["src", "notebooks", "kernel-ext", "tools"]), [`notebooks/${ID}.ipynb`, `src/course/chapters/${ID}.ts`, "src/course/registry.ts"]);
    compileCopy(copy);
    compileCopy(copy, "tsconfig.tools.json");
  });

  it("npm run nav links it between its neighbours and lists it in the contents and the README", () => {
    const nav = node(copy, ["build/tools/notebook-nav.js"]);
    assert.equal(nav.status, 0, nav.output);
    const cells = (file: string): string[] =>
      (JSON.parse(readFileSync(path.join(copy, "notebooks", file), "utf8")) as { cells: { source: string | string[] }[] }).cells.map((c) => [c.source].flat().join(""));
    assert.match(cells(`${ID}.ipynb`)[0]!, new RegExp(`← \\[08 · Shared state.*\\]\\(08-shared-state\\.ipynb\\).*\\[${escaped(NEXT.title)}\\]\\(${escaped(NEXT.id)}\\.ipynb\\) →`));
    assert.match(cells("08-shared-state.ipynb")[0]!, /\[08a · A stand-in chapter\]\(08a-stand-in\.ipynb\) →/);
    assert.ok(cells("00-index.ipynb").some((c) => c.includes("| [08a · A stand-in chapter](08a-stand-in.ipynb) | Does a chapter added in three places show up everywhere? |")));
    assert.match(readFileSync(path.join(copy, "README.md"), "utf8"), new RegExp(`\\| \`08a-stand-in\` \\| a stand-in that the registry test adds \\|\\n\\| \`${escaped(NEXT.id)}\` \\|`));
  });

  it("the summary gathers its claim, running its short version, and the reference recorder would too", () => {
    const script = `
      const { CHAPTERS, gatherSections, saveResults } = require("./conclab/dist/src/course/index.js");
      const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "conclab-stand-in-"));
      const claim = (c) => ({ id: c.claims[0], section: c.id, claim: "c", measured: "m", verdict: "holds", reason: "r", rule: "r", kind: "test", nodeByDesign: null });
      for (const c of CHAPTERS) if (c.shortRun && c.id !== "${ID}") saveResults(c.id, [claim(c)], {}, dir);
      const ran = [];
      gatherSections({ resultsDir: dir, onShortRun: (id) => ran.push(id) }).then((gathered) => {
        console.log(JSON.stringify({ ran, gathered: gathered.map((g) => [g.section, g.claims.map((c) => c.id + ":" + c.verdict)]) }));
        require("node:fs").rmSync(dir, { recursive: true, force: true });
      });`;
    const run = node(copy, ["-e", script]);
    assert.equal(run.status, 0, run.output);
    const seen = JSON.parse(run.output.trim().split("\n").pop()!) as { ran: string[]; gathered: [string, string[]][] };
    assert.deepEqual(seen.ran, [ID]);
    assert.deepEqual(seen.gathered.find(([section]) => section === ID), [ID, ["standin.sum:holds"]]);
    const order = seen.gathered.map(([section]) => section);
    assert.equal(order[order.indexOf("08-shared-state") + 1], ID, "gathered in the registry's order, right after 08");
  });

  it("the structure test checks its notebook, and fails when the registered chapter has none", () => {
    const structure = (): { status: number | null; output: string } => node(copy, ["--test", "--test-reporter=tap", "build/test/unit/notebooks-structure.test.js"]);
    const passing = structure();
    assert.match(passing.output, /08a-stand-in reads like a chapter/);
    assert.equal(passing.status, 0, passing.output.split("\n").filter((line) => /not ok|error/.test(line)).join("\n"));

    rmSync(path.join(copy, "notebooks", `${ID}.ipynb`));
    const failing = structure();
    assert.notEqual(failing.status, 0);
    assert.match(failing.output, /not ok/);
    assert.match(failing.output, /08a-stand-in\.ipynb/, "the failure names the missing notebook");
  });
});
