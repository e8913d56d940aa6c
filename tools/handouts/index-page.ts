/**
 * The handouts' `index.html`: one line per handout (its first heading and the first sentence
 * after it), the machine the notebooks ran on and the date. Self-contained: no script, no
 * request to anything but the handouts beside it.
 */
import { type MachineDescription, type PythonInfo } from "conclab";
import { sourceText, type Notebook } from "../runner/nbformat";
import { escapeHtml } from "../../kernel-ext/html";

export interface NotebookSummary {
  /** The notebook's first Markdown heading, as plain text (the file name when it has none). */
  readonly title: string;
  /** The first sentence of the first paragraph that is not a heading ("" when there is none). */
  readonly summary: string;
}

export interface IndexEntry extends NotebookSummary {
  /** File name of the handout, relative to index.html, e.g. `00-index.html`. */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
}

export interface RunDescription {
  readonly machine: MachineDescription;
  readonly python: PythonInfo | null;
  readonly date: Date;
}

/** Markdown inline syntax reduced to its text: links, emphasis, code, images, HTML tags. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(\*|_)(.+?)\1/g, "$2")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The first sentence of a paragraph: up to the first `.`, `!` or `?` followed by a capital (or the
 * end). A bold lead-in label such as `**The question.**` is skipped.
 */
export function firstSentence(paragraph: string): string {
  const text = plainText(paragraph.replace(/^(\*\*|__)[^*_\n]{1,60}?[.:!?]\1\s+(?=\S)/, ""));
  const match = /^(.+?[.!?])(?=\s+["'“([]?[A-Z0-9]|$)/.exec(text);
  return match ? match[1]! : text;
}

/** Title and first sentence of a notebook, from its Markdown cells. */
export function summarizeNotebook(notebook: Notebook, fallbackTitle: string): NotebookSummary {
  let title: string | undefined;
  let summary = "";
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "markdown") continue;
    const blocks = sourceText(cell.source)
      .split(/\n\s*\n/)
      .map((block) => block.trim())
      .filter(Boolean);
    for (const block of blocks) {
      const lines = block.split("\n");
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[0]!);
      if (heading) {
        title ??= plainText(heading[1]!);
        const rest = lines.slice(1).join("\n").trim();
        if (title && !summary && rest && !/^[#>|`-]/.test(rest)) summary = firstSentence(rest);
      } else if (title !== undefined && !summary && !/^([>|`]|[-*+] |\d+\. |<)/.test(block)) {
        summary = firstSentence(block);
      }
      if (title !== undefined && summary) return { title, summary };
    }
  }
  return { title: title || fallbackTitle, summary };
}


function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(2)} MB` : `${Math.round(bytes / 1024)} kB`;
}

/** The machine in one line: cores, CPU model, platform, Node and Python versions. */
export function machineLine(run: Pick<RunDescription, "machine" | "python">): string {
  const m = run.machine;
  const python = run.python ? `CPython ${run.python.version}${run.python.gil ? "" : " (free-threaded)"}` : "no Python 3.8+ found";
  const memory = `${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB`;
  return `${m.cores} core${m.cores === 1 ? "" : "s"}, ${m.cpuModel}, ${m.platform}, ${memory} memory; Node.js ${m.node}, ${python}`;
}

/** `2025-11-26 15:58 UTC`. */
export function dateLine(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function indexPage(entries: readonly IndexEntry[], run: RunDescription): string {
  const items = entries
    .map(
      (e) =>
        `<li><a href="${escapeHtml(encodeURI(e.file))}">${escapeHtml(e.title)}</a>` +
        (e.summary ? ` <span class="summary">${escapeHtml(e.summary)}</span>` : "") +
        ` <span class="file">(${escapeHtml(e.file)}, ${sizeText(e.bytes)})</span></li>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Concurrency vs parallelism, measured: handouts</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
ol { padding-left: 1.5rem; }
li { margin: 0.5rem 0; }
li a { font-weight: 600; }
.summary { color: #333; }
.file, .run { color: #666; font-size: 0.9em; }
@media print { a { color: inherit; text-decoration: none; } }
</style>
</head>
<body>
<h1>Concurrency vs parallelism, measured</h1>
<p class="run">Executed on ${escapeHtml(dateLine(run.date))}, on this machine: ${escapeHtml(machineLine(run))}.
Every timing in these handouts was measured there; your machine will give other numbers.</p>
<ol>
${items}
</ol>
</body>
</html>
`;
}
