/**
 * The benchmark's outputs besides stdout: results/bench.json (every number, the machine, the
 * date) and results/bench.html (the tables and the plots, plotly.js inlined: the page loads
 * nothing from the network).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type Figure } from "conclab";
import type { Goal, Section, Table } from "./common";

export interface Report {
  readonly benchmark: string;
  readonly mode: "bench" | "cores-curve";
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: Record<string, unknown>;
  readonly note: string;
  readonly goals: readonly Goal[];
  readonly measurements: Record<string, unknown>;
  readonly errors: Record<string, string>;
  readonly tables: readonly Table[];
  readonly elapsedS: number;
}

export function writeJson(file: string, report: Report): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function tableHtml(table: Table): string {
  const head = table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = table.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  const notes = (table.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n");
  return `<h3>${escapeHtml(table.title)}</h3>\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>\n${notes}`;
}

function goalsHtml(goals: readonly Goal[]): string {
  const rows = goals
    .map((g) => {
      const verdict = g.informational ? "reported (no goal)" : g.met === null ? "not measured" : g.met ? "met" : "not met";
      const cls = g.met === null ? "na" : g.met ? "met" : "missed";
      return `<tr><td>${escapeHtml(g.goal)}</td><td>${escapeHtml(g.measured)}</td><td class="${cls}">${verdict}</td><td>${escapeHtml(g.note ?? "")}</td></tr>`;
    })
    .join("\n");
  return `<table><thead><tr><th>goal</th><th>measured</th><th>verdict</th><th>what limits it</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/**
 * Writes the page. `figureHtml` (conclab's kernel adapter) inlines plotly.js into the first
 * figure it draws and reuses it for the rest; it is required here, not at load time.
 */
export function writeHtml(file: string, report: Report, sections: readonly Section[]): void {
  const plotly = require("conclab/kernel/internal") as typeof import("conclab/kernel/internal");
  plotly.resetPlotlyInlining();
  const drawn = (figure: Figure): string => plotly.figureHtml(figure);
  const machine = Object.entries(report.machine)
    .map(([k, v]) => {
      const shown = typeof v === "number" && k.endsWith("Bytes") ? `${(v / 2 ** 30).toFixed(1)} GB` : typeof v === "string" ? v : JSON.stringify(v);
      return `<tr><th>${escapeHtml(k.replace(/Bytes$/, ""))}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join("\n");
  const parts = sections.map((s) => {
    const tables = s.tables.map(tableHtml).join("\n");
    const figures = s.figures.map(drawn).join("\n");
    return `<section><h2>${escapeHtml(s.title)}</h2>\n${figures}\n${tables}</section>`;
  });
  const errors = Object.entries(report.errors)
    .map(([k, v]) => `<p class="missed">${escapeHtml(k)} failed: ${escapeHtml(v)}</p>`)
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>conclab benchmarks, ${escapeHtml(report.date)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.met { color: #1a7f37; font-weight: bold; } td.missed, p.missed { color: #b42318; font-weight: bold; } td.na { color: #777; }
p.note { font-size: 0.85em; color: #444; margin: 0.2em 0; }
section { margin-top: 2em; border-top: 1px solid #ddd; }
</style></head><body>
<h1>conclab benchmarks</h1>
<p>${escapeHtml(report.date)}: <code>${escapeHtml(report.command)}</code>${report.quick ? " (quick mode: a smoke run, not figures to quote)" : ""}, ${report.elapsedS.toFixed(0)} s.</p>
<p>${escapeHtml(report.note)}</p>
<h2>Machine</h2>
<table>${machine}</table>
<h2>Goals</h2>
${goalsHtml(report.goals)}
${errors}
${parts.join("\n")}
</body></html>
`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, html);
}
