import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as course from "conclab/course";
import { CHAPTERS, type Chapter } from "conclab/course";
import { NOTEBOOKS_DIR } from "../../tools/paths";
import { CONTENTS_MARK, NAV_MARK, staleNotebooks } from "../../tools/notebook-nav";
import { readNotebook, sourceText } from "../../tools/runner/nbformat";
import { courseNotebooks } from "../../tools/runner/notebook-list";
import ts from "typescript";

/** Every notebook after the index; those whose chapter decides claims measure, predict and end with an exercise. */
const chapters = courseNotebooks().slice(1);
const judging = chapters.filter((file) => CHAPTERS.find((c) => c.id === path.basename(file, ".ipynb"))!.claims.length > 0);
const markdownOf = (file: string): string[] =>
  readNotebook(file).cells.filter((c) => c.cell_type === "markdown").map((c) => sourceText(c.source));
const codeOf = (file: string): string => readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c) => sourceText(c.source)).join("\n");

/** Code cells stay short: what is longer becomes a library function the reader can open. */
const MEDIAN_CELL_LINES = 3;
const MAX_CELL_LINES = 12;

/** The names a cell declares at its top level (variables, functions, classes, imports). */
function topLevelNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else name.elements.forEach((element) => ts.isBindingElement(element) && bind(element.name));
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((d) => bind(d.name));
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) names.add(statement.name.text);
    else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings) bindings.elements.forEach((element) => names.add(element.name.text));
    }
  }
  return names;
}

/**
 * Shorthand properties (`{ cores }`) that name a variable of another cell: tslab rewrites other
 * cells' names to its own exports object but leaves a shorthand property alone, so the cell fails
 * with a ReferenceError (`cores is not defined`). Write `{ cores: cores }` instead.
 */
function shorthandsOfOtherCells(sources: readonly string[]): string[] {
  const files = sources.map((source, i) => ts.createSourceFile(`cell${i}.ts`, source, ts.ScriptTarget.ES2022, true));
  const declared = files.map(topLevelNames);
  const found: string[] = [];
  files.forEach((file, i) => {
    const elsewhere = new Set(declared.flatMap((names, j) => (j === i ? [] : [...names])));
    const visit = (node: ts.Node): void => {
      if (ts.isShorthandPropertyAssignment(node) && elsewhere.has(node.name.text) && !declared[i]!.has(node.name.text)) {
        found.push(`code cell ${i}: { ${node.name.text} }`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  });
  return found;
}

describe("the course's notebooks", () => {
  it("are the registry's chapters, numbered in reading order, and every notebook in notebooks/ is one", () => {
    const registered = CHAPTERS.map((c) => `${c.id}.ipynb`);
    assert.deepEqual(registered, [...registered].sort(), "file names sort in the registry's order");
    assert.deepEqual(readdirSync(NOTEBOOKS_DIR).filter((f) => f.endsWith(".ipynb")).sort(), registered, "a notebook not in src/course/registry.ts, or a chapter without its notebook");
    assert.ok(CHAPTERS[0]!.id.startsWith("00-") && CHAPTERS.at(-1)!.claims.length === 0, "the index first, the summary last");
  });

  it("have navigation and contents that npm run nav would not change", () => {
    assert.deepEqual(staleNotebooks().map((f) => path.basename(f)), []);
  });

  it("link only to notebooks that exist", () => {
    for (const file of courseNotebooks()) {
      for (const text of markdownOf(file).filter((t) => t.startsWith(NAV_MARK) || t.startsWith(CONTENTS_MARK))) {
        for (const [, target] of text.matchAll(/\]\(([^)]+)\)/g)) {
          assert.ok(existsSync(path.join(NOTEBOOKS_DIR, target!)), `${path.basename(file)} links to ${target}`);
        }
      }
    }
  });

  for (const file of chapters) {
    const name = path.basename(file, ".ipynb");
    const chapter = CHAPTERS.find((c) => c.id === name)!;
    it(`${name} reads like a chapter: navigation at both ends, its registered title and question, a closing "What we measured"`, () => {
      const markdown = markdownOf(file);
      const heading = markdown.join("\n").match(/^# (.+)\n+> (.+)$/m);
      assert.deepEqual([heading?.[1], heading?.[2]], [chapter.title, chapter.question], "the notebook's title and question are its chapter module's");
      assert.ok(markdown[0]!.startsWith(NAV_MARK), "navigation first");
      assert.ok(markdown[markdown.length - 1]!.startsWith(NAV_MARK), "navigation last");
      assert.equal(markdown.filter((m) => /^# /m.test(m)).length, 1, "one H1");
      assert.match(markdown.join("\n"), /^# .+\n+> .+\?$/m, "the question under the title");
      assert.ok(markdown.some((m) => /^## What we measured$/m.test(m)) || chapter.claims.length === 0, "a What we measured section");
      if (chapter.claims.length === 0) assert.match(codeOf(file), /showClaims\(/, "the claims are shown");
      else assert.ok(codeOf(file).includes(`saveResults("${name}", claims`), "the claims are shown and saved under the chapter's id");
    });
  }

  for (const file of courseNotebooks()) {
    const name = path.basename(file, ".ipynb");
    const lines = readNotebook(file)
      .cells.filter((c) => c.cell_type === "code")
      .map((c) => sourceText(c.source).trim().split("\n").length)
      .sort((a, b) => a - b);
    const middle = lines.length === 0 ? 0 : (lines[(lines.length - 1) >> 1]! + lines[lines.length >> 1]!) / 2;
    const short = middle <= MEDIAN_CELL_LINES && (lines.at(-1) ?? 0) <= MAX_CELL_LINES;
    const shape = `median ${middle} lines, longest ${lines.at(-1) ?? 0}`;
    it(`${name}: code cells short, median ≤ ${MEDIAN_CELL_LINES} lines and none over ${MAX_CELL_LINES} (${shape})`, () => {
      assert.ok(short, `${name}: ${shape}; move what is longer into a documented library function`);
    });
  }

  for (const file of courseNotebooks()) {
    it(`${path.basename(file, ".ipynb")} prints a sentence computed from the numbers after every figure it shows`, () => {
      const code = readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c) => sourceText(c.source));
      const missing = code.flatMap((source, i) =>
        [...source.matchAll(/\bshow\((\w+Figure)\(/g)]
          .filter((m) => !/console\.log\([\w.]*[Cc]aption\(|console\.log\([\w.]*\.sentence\)/.test(source.slice(m.index! + m[0].length)) && !/^console\.log\([\w.]*[Cc]aption\(/.test(code[i + 1] ?? ""))
          .map((m) => `code cell ${i}: ${m[1]}`),
      );
      assert.deepEqual(missing, [], "follow each show(...Figure(...)) with console.log(...Caption(...)) in the same cell or the next");
    });
  }

  it("have the reader write the mechanism before conclab does it: a worker with postMessage, copies timed with Promise.all, a forked child", () => {
    const cells = courseNotebooks().flatMap((file) =>
      readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c, i) => ({ at: `${path.basename(file, ".ipynb")} code cell ${i}`, source: sourceText(c.source) })),
    );
    const first = (test: (source: string) => boolean): number => cells.findIndex((c) => test(c.source));
    // A chapter's experiments are its functions named …Run; their source says what they compare.
    const experiments = (source: string): string[] =>
      [...source.matchAll(/\bawait (\w+)\.(\w+Run)\(/g)]
        .map((m) => (course as unknown as Record<string, Record<string, unknown> | undefined>)[m[1]!]?.[m[2]!])
        .filter((f): f is (...args: never[]) => unknown => typeof f === "function")
        .map((f) => f.toString());
    const onProcesses = /strategies: \[[^\]]*"processes"/;
    const firstCompare = first((source) => /\bcompare\(\{/.test(source) || experiments(source).length > 0);
    const firstNodeProcesses = first((source) => (/\bcompare\(\{/.test(source) && onProcesses.test(source)) || experiments(source).some((f) => onProcesses.test(f)));
    assert.ok(firstCompare >= 0 && firstNodeProcesses >= 0, "the course runs experiments, on Node's child processes too");
    const raw = {
      "a worker thread started with new Worker": first((source) => /\bnew Worker\(/.test(source)),
      "a message to it with postMessage": first((source) => /\.postMessage\(/.test(source)),
      "copies started together with Promise.all and timed with performance.now()": first((source) => /\bPromise\.all\(/.test(source) && /\bperformance\.now\(\)/.test(source)),
    };
    for (const [what, at] of Object.entries(raw)) {
      assert.ok(at >= 0 && at < firstCompare, `${what}, written in a cell before the first experiment (${cells[firstCompare]!.at})`);
    }
    const fork = first((source) => /\bfork\(/.test(source));
    assert.ok(fork >= 0 && fork < firstNodeProcesses, `a child started with fork() before the first experiment on Node's processes (${cells[firstNodeProcesses]!.at})`);
  });


  // Chapters that decide claims end with an exercise; the summary gathers their verdicts.
  for (const file of judging) {
    const name = path.basename(file, ".ipynb");
    it(`${name} ends with an exercise whose answer a check function runs`, () => {
      const cells = readNotebook(file).cells;
      const heading = cells.findIndex((c) => c.cell_type === "markdown" && /^## Exercise: .+/m.test(sourceText(c.source)));
      assert.ok(heading > 0, "a '## Exercise: ...' section");
      assert.ok(
        cells.slice(heading).some((c) => c.cell_type === "code" && /\bshowCheck\((await )?\w+\.check\w+\(/.test(sourceText(c.source))),
        "a code cell after it shows a check of the reader's answer",
      );
      const whatWeMeasured = cells.findIndex((c) => c.cell_type === "markdown" && /^## What we measured$/m.test(sourceText(c.source)));
      assert.ok(heading > whatWeMeasured, "the exercise comes after the claims, at the chapter's end");
    });
  }

  for (const file of courseNotebooks()) {
    it(`${path.basename(file, ".ipynb")} uses no shorthand property for another cell's variable (tslab cannot resolve it)`, () => {
      const sources = readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c) => sourceText(c.source));
      assert.deepEqual(shorthandsOfOtherCells(sources), [], "write { name: name } for a name from another cell");
    });
  }

  it("the shorthand check finds what tslab cannot resolve, and only that", () => {
    assert.deepEqual(shorthandsOfOtherCells(["const cores = 2;", "show({ cores, title: 'x' });\nconst own = 1;\nuse({ own });"]), ["code cell 1: { cores }"]);
    assert.deepEqual(shorthandsOfOtherCells(["const cores = 2;", "show({ cores: cores });\nconst [a, b] = [cores, cores];"]), []);
  });

  // Chapters that decide claims ask for a prediction first; the summary measures nothing of its own.
  for (const file of judging) {
    const name = path.basename(file, ".ipynb");
    const chapter = CHAPTERS.find((c) => c.id === name)!;
    const namespace = Object.entries(course).find(([, value]) => (value as { chapter?: Chapter }).chapter === chapter)?.[0];
    it(`${name} asks for a prediction before its main experiment, unanswered, and reveals it after`, () => {
      const code = readNotebook(file).cells.filter((c) => c.cell_type === "code").map((c) => sourceText(c.source));
      const asked = code.flatMap((source, i) => [...source.matchAll(/\bpredict\("([\w.-]+)", "([^"]*)"\)/g)].map((m) => ({ id: m[1]!, choice: m[2]!, at: i })));
      assert.ok(asked.length >= 1, "at least one predict() cell");
      assert.ok(namespace, `conclab/course exports ${name}'s module under a name (src/course/registry.ts)`);
      for (const { id, choice, at } of asked) {
        assert.ok(chapter.questions.some((q) => q.id === id), `${id} is a question this chapter's module asks`);
        assert.equal(choice, "", `predict("${id}", ...) is committed without an answer: the reader chooses`);
        const experiment = code.findIndex((source, i) => i > at && /\bawait\b/.test(source));
        // The reveal passes a verdict of this chapter's own namespace (its module decides the claim).
        const revealed = code.findIndex((source, i) => i > experiment && new RegExp(`\\breveal\\(${namespace}\\.\\w+\\(`).test(source));
        assert.ok(experiment > at, `an experiment runs after predict("${id}")`);
        assert.ok(revealed > experiment, `reveal(...) for ${id} comes after that experiment`);
      }
    });
  }
});
