import assert from "node:assert/strict";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";
import { freePort, JupyterServer } from "../../tools/runner/jupyter-server";
import { ProcessWatch, spawnWatched, type WatchedChild } from "../helpers/processes";

const START = path.join(PROJECT_ROOT, "scripts", "start.cjs");

function startLab(env: NodeJS.ProcessEnv): WatchedChild {
  return spawnWatched(process.execPath, [START], { env: { ...process.env, CONCLAB_NO_BROWSER: "1", ...env } });
}

describe("npm start", () => {
  it("serves JupyterLab on notebooks/ at 127.0.0.1 with a token, the tslab kernel and the plotly renderer", async () => {
    const watch = new ProcessWatch();
    const port = await freePort();
    const lab = startLab({ CONCLAB_PORT: String(port) });
    try {
      let url: URL | undefined;
      for (let i = 0; i < 600 && !url; i++) {
        const match = /JupyterLab at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+)/.exec(lab.output());
        if (match) url = new URL(match[1]!);
        else await sleep(100);
      }
      assert.ok(url, `no URL printed:\n${lab.output()}`);
      assert.equal(url.port, String(port));
      const token = url.searchParams.get("token")!;
      let page: Response | undefined;
      for (let i = 0; i < 300; i++) {
        page = await fetch(url).catch(() => undefined);
        if (page?.ok) break;
        await sleep(200);
      }
      assert.equal(page?.status, 200, lab.output());
      const html = await page!.text();
      assert.match(html, /jupyterlab-plotly/, "the plotly MIME renderer extension is installed");
      const auth = { headers: { Authorization: `token ${token}` } };
      const specs = (await (await fetch(`http://127.0.0.1:${port}/api/kernelspecs`, auth)).json()) as { kernelspecs: Record<string, unknown> };
      assert.ok("tslab" in specs.kernelspecs, "the tslab kernel is offered");
      const listing = (await (await fetch(`http://127.0.0.1:${port}/api/contents`, auth)).json()) as { content: { name: string }[] };
      assert.ok(listing.content.some((entry) => entry.name === "00-index.ipynb"), "Lab opens on notebooks/");
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/contents`)).status, 403, "no access without the token");
    } finally {
      lab.child.kill("SIGTERM");
      await lab.exited;
    }
    assert.deepEqual(await watch.leftovers(), [], "JupyterLab outlived npm start");
  });

  it("refuses a CONCLAB_PORT that is in use with one line", async () => {
    const busy = await JupyterServer.start();
    try {
      const lab = startLab({ CONCLAB_PORT: String(busy.port) });
      assert.equal(await lab.exited, 1);
      const lines = lab.output().trim().split("\n");
      assert.equal(lines[lines.length - 1], `setup: port ${busy.port} on 127.0.0.1 is already in use (CONCLAB_PORT=${busy.port}); choose another port or stop the program holding it`);
    } finally {
      await busy.stop();
    }
  });
});
