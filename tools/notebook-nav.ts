/**
 * `npm run nav [-- --check]`: writes the navigation line of every course notebook (the cells that
 * start with <!-- conclab:nav -->), the table of contents in 00-index (<!-- conclab:contents -->)
 * and the README's table of chapters (between <!-- conclab:chapters --> marks), from the registry
 * of chapters (src/course/registry.ts): their ids, titles, questions and one-line descriptions.
 * Safe to rerun; --check only reports what would change (a test runs it, so a stale link cannot land).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CHAPTERS } from "conclab/course";
import { PROJECT_ROOT } from "./paths";
import { courseNotebooks } from "./runner/notebook-list";
import { readNotebook, sourceText } from "./runner/nbformat";

export const NAV_MARK = "<!-- conclab:nav -->";
export const CONTENTS_MARK = "<!-- conclab:contents -->";
export const README_START = "<!-- conclab:chapters -->";
export const README_END = "<!-- /conclab:chapters -->";
export const README_FILE = path.join(PROJECT_ROOT, "README.md");

export interface Chapter {
  readonly file: string;
  readonly title: string;
  /** The chapter's question, shown under its title. */
  readonly question: string;
  /** What it measures, in a line. */
  readonly about: string;
}

/** The registry's chapters, as the navigation names them. */
export function registeredChapters(): Chapter[] {
  return CHAPTERS.map((c) => ({ file: `${c.id}.ipynb`, title: c.title, question: c.question, about: c.about }));
}

export function navLine(chapters: readonly Chapter[], index: number): string {
  const link = (c: Chapter): string => `[${c.title}](${c.file})`;
  const parts = [
    index > 0 ? `← ${link(chapters[index - 1]!)}` : "",
    index > 0 ? "[contents](00-index.ipynb)" : "",
    index + 1 < chapters.length ? `${link(chapters[index + 1]!)} →` : "",
  ].filter(Boolean);
  return `${NAV_MARK}\n${parts.join(" · ")}`;
}

export function contents(chapters: readonly Chapter[]): string {
  const rows = chapters.slice(1).map((c) => `| [${c.title}](${c.file}) | ${c.question} |`);
  return [CONTENTS_MARK, "| chapter | its question |", "|---|---|", ...rows].join("\n");
}

/** The README's table of chapters. */
export function readmeTable(chapters: readonly Chapter[]): string {
  const rows = chapters.map((c) => `| \`${path.basename(c.file, ".ipynb")}\` | ${c.about} |`);
  return [README_START, "| notebook | what it measures |", "|---|---|", ...rows, README_END].join("\n");
}

/** The README's text with its table of chapters brought up to date. */
export function updatedReadme(text: string, chapters: readonly Chapter[] = registeredChapters()): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} marks around its table of chapters`);
  return text.slice(0, start) + readmeTable(chapters) + text.slice(end + README_END.length);
}

/** The notebooks' JSON with navigation and contents brought up to date, by file. */
export function updatedNotebooks(files: readonly string[] = courseNotebooks()): Map<string, string> {
  const notebooks = files.map((file) => readNotebook(file));
  const chapters = registeredChapters();
  const result = new Map<string, string>();
  notebooks.forEach((notebook, i) => {
    // Links follow the registry's order, whichever files are given.
    const at = chapters.findIndex((c) => c.file === path.basename(files[i]!));
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const text = sourceText(cell.source);
      const fresh = text.startsWith(NAV_MARK) && at >= 0 ? navLine(chapters, at) : text.startsWith(CONTENTS_MARK) ? contents(chapters) : undefined;
      if (fresh !== undefined) cell.source = fresh.split(/(?<=\n)/);
    }
    result.set(files[i]!, `${JSON.stringify(notebook, null, 1)}\n`);
  });
  return result;
}

/** Files whose navigation, contents or table of chapters are out of date (the README among them). */
export function staleNotebooks(files: readonly string[] = courseNotebooks()): string[] {
  const stale = [...updatedNotebooks(files)].filter(([file, text]) => readFileSync(file, "utf8") !== text).map(([file]) => file);
  const readme = readFileSync(README_FILE, "utf8");
  return updatedReadme(readme) === readme ? stale : [...stale, README_FILE];
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = staleNotebooks();
  if (check) {
    if (stale.length > 0) {
      process.stderr.write(`navigation is out of date in: ${stale.map((f) => path.basename(f)).join(", ")}; run \`npm run nav\`\n`);
      process.exit(1);
    }
  } else {
    for (const [file, text] of updatedNotebooks()) if (stale.includes(file)) writeFileSync(file, text);
    if (stale.includes(README_FILE)) writeFileSync(README_FILE, updatedReadme(readFileSync(README_FILE, "utf8")));
    process.stdout.write(stale.length ? `updated ${stale.map((f) => path.basename(f)).join(", ")}\n` : "navigation already up to date\n");
  }
}
