import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { figureBundle } from "conclab/kernel";
import { chromiumOrSkip, launchChromium, openOffline } from "./chromium";
import { resetPlotlyInlining } from "conclab/kernel/internal";

const scratch = mkdtempSync(path.join(tmpdir(), "conclab-requirejs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const figure = (title: string) => ({ data: [{ type: "bar" as const, x: ["a", "b"], y: [1, 2] }], layout: { title: { text: title } } });

/** A page like nbconvert's classic and lab templates: require.js loaded before any output. */
function pageWithRequireJs(): string {
  resetPlotlyInlining();
  const requirejs = readFileSync(require.resolve("requirejs/require.js"), "utf8");
  const outputs = [figureBundle(figure("first")), figureBundle(figure("second"))].map((b) => String(b["text/html"])).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><script>${requirejs}</script></head><body>${outputs}</body></html>`;
}

describe("the offline HTML fallback of a figure", () => {
  it("draws its plots on a page that loaded require.js first (the nbconvert trap that leaves Plotly undefined)", async (t) => {
    const executable = chromiumOrSkip(t);
    if (!executable) return;
    const file = path.join(scratch, "with-requirejs.html");
    writeFileSync(file, pageWithRequireJs());
    const browser = await launchChromium(executable);
    try {
      const page = await openOffline(browser, file);
      try {
        assert.equal(await page.page.evaluate(() => typeof (window as unknown as { define?: { amd?: unknown } }).define?.amd), "object", "require.js is active on the page");
        await page.page.waitForFunction(() => document.querySelectorAll(".conclab-plot .main-svg").length >= 2, undefined, { timeout: 15_000 });
        assert.equal(await page.page.evaluate(() => typeof (window as unknown as { Plotly?: unknown }).Plotly), "object");
        assert.equal(await page.page.locator(".conclab-plot .main-svg .trace.bars").count(), 2, "both figures drew their bars");
        assert.deepEqual(page.consoleErrors, []);
        assert.deepEqual(page.blockedRequests, []);
      } finally {
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
