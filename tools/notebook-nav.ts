/**
 * `npm run nav [-- --check]`: writes the navigation line of every course notebook (the cells that
 * start with <!-- conclab:nav -->) and the table of contents in 00-index (<!-- conclab:contents -->),
 * from the notebooks' file names and first headings. Safe to rerun; --check only reports what
 * would change (a test runs it, so a stale link cannot land).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { courseNotebooks } from "./runner/notebook-list";
import { readNotebook, sourceText, type Notebook } from "./runner/nbformat";

export const NAV_MARK = "<!-- conclab:nav -->";
export const CONTENTS_MARK = "<!-- conclab:contents -->";

export interface Chapter {
  readonly file: string;
  readonly title: string;
  /** The chapter's question: the quoted line (`> …`) under its heading, if any. */
  readonly question: string;
}

export function chapterOf(file: string, notebook: Notebook): Chapter {
  const markdown = notebook.cells.filter((c) => c.cell_type === "markdown").map((c) => sourceText(c.source));
  const title = markdown.map((m) => /^# (.+)$/m.exec(m)?.[1]).find(Boolean) ?? path.basename(file, ".ipynb");
  const question = markdown.map((m) => /^# .+\n+> (.+)$/m.exec(m)?.[1]).find(Boolean) ?? "";
  return { file: path.basename(file), title: title.trim(), question: question.trim() };
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

/** The notebooks' JSON with navigation and contents brought up to date, by file. */
export function updatedNotebooks(files: readonly string[] = courseNotebooks()): Map<string, string> {
  const notebooks = files.map((file) => readNotebook(file));
  const chapters = files.map((file, i) => chapterOf(file, notebooks[i]!));
  const result = new Map<string, string>();
  notebooks.forEach((notebook, i) => {
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const text = sourceText(cell.source);
      const fresh = text.startsWith(NAV_MARK) ? navLine(chapters, i) : text.startsWith(CONTENTS_MARK) ? contents(chapters) : undefined;
      if (fresh !== undefined) cell.source = fresh.split(/(?<=\n)/);
    }
    result.set(files[i]!, `${JSON.stringify(notebook, null, 1)}\n`);
  });
  return result;
}

/** Files whose navigation or contents are out of date. */
export function staleNotebooks(files: readonly string[] = courseNotebooks()): string[] {
  return [...updatedNotebooks(files)].filter(([file, text]) => readFileSync(file, "utf8") !== text).map(([file]) => file);
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
    process.stdout.write(stale.length ? `updated ${stale.map((f) => path.basename(f)).join(", ")}\n` : "navigation already up to date\n");
  }
}
