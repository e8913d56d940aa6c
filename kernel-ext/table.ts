/** table(rows): one display with HTML (Lab, handouts), Markdown and plain text of the same rows. */
import { typeError } from "../src/index";
import { displayBundle, type MimeBundle } from "./tslab-channel";
import { escapeHtml } from "./html";

export type Row = Readonly<Record<string, unknown>>;

export interface TableOptions {
  /** Columns in order; default: the keys of the rows in first-seen order. */
  readonly columns?: readonly string[];
  /** A line shown above the table. */
  readonly caption?: string;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const escapeMarkdown = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function tableBundle(rows: readonly Row[], options: TableOptions = {}): MimeBundle {
  if (!Array.isArray(rows)) throw typeError("rows", "an array of objects (one per row)", rows, "pass e.g. [{ strategy: 'threads', ms: 120 }]");
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw typeError(`rows[${i}]`, "an object mapping column names to values", row, "give every row as { column: value }");
    }
  });
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw typeError("options", "an object like { columns, caption }", options, "leave it out for the defaults");
  }
  if (options.caption !== undefined && typeof options.caption !== "string") {
    throw typeError("options.caption", "a string", options.caption, "pass the line to show above the table, or leave it out");
  }
  const columns = options.columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== "string")) {
    throw typeError("options.columns", "an array of column names", columns, "leave it out to use the rows' keys");
  }
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => row[c] === undefined || row[c] === null || typeof row[c] === "number"));
  const caption = options.caption ? `<caption style="caption-side:top;text-align:left">${escapeHtml(options.caption)}</caption>` : "";
  const align = (i: number): string => (numeric[i] ? "right" : "left");
  const html =
    `<table class="conclab-table" style="border-collapse:collapse">${caption}<thead><tr>` +
    columns.map((c, i) => `<th style="text-align:${align(i)};padding:2px 8px;border-bottom:1px solid #999">${escapeHtml(c)}</th>`).join("") +
    `</tr></thead><tbody>` +
    cells.map((row) => `<tr>${row.map((v, i) => `<td style="text-align:${align(i)};padding:2px 8px">${escapeHtml(v)}</td>`).join("")}</tr>`).join("") +
    `</tbody></table>`;
  const markdown = [
    options.caption ? `${escapeMarkdown(options.caption)}\n` : "",
    `| ${columns.map(escapeMarkdown).join(" | ")} |`,
    `| ${numeric.map((n) => (n ? "---:" : ":---")).join(" | ")} |`,
    ...cells.map((row) => `| ${row.map(escapeMarkdown).join(" | ")} |`),
  ]
    .filter(Boolean)
    .join("\n");
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const pad = (text: string, i: number): string => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const plain = [
    options.caption ?? "",
    columns.map(pad).join("  "),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map((row) => row.map(pad).join("  ")),
  ]
    .filter((line) => line !== "")
    .join("\n");
  return { "text/html": html, "text/markdown": markdown, "text/plain": plain };
}

/** Displays rows as a table in the cell; outside a kernel prints the plain-text table. */
export function table(rows: readonly Row[], options: TableOptions = {}): void {
  displayBundle(tableBundle(rows, options));
}
