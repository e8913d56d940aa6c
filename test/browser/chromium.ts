/**
 * Headless Chromium for the browser tests: Debian's `chromium` (never a downloaded browser),
 * driven by playwright-core, with every request that is not the page itself blocked and reported.
 *
 * Without Chromium a browser test skips with a clear reason; with CONCLAB_REQUIRE_BROWSER=1 (CI)
 * it fails instead.
 */
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";

/** Where a Chromium is looked for, after `$CONCLAB_CHROMIUM`. */
export const CHROMIUM_CANDIDATES: readonly string[] = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/**
 * Flags for a closed network: without them Chromium tries to reach Google's services (sign-in,
 * component updates, QUIC probes) and logs refused connections. playwright-core adds --headless
 * and a fresh --user-data-dir (a temporary profile) itself.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export const REQUIRE_BROWSER_VARIABLE = "CONCLAB_REQUIRE_BROWSER";

/** The Chromium executable to use, or null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CONCLAB_CHROMIUM) return existsSync(env.CONCLAB_CHROMIUM) ? env.CONCLAB_CHROMIUM : null;
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_BROWSER_VARIABLE] === "1";
}

function missingReason(env: NodeJS.ProcessEnv): string {
  const where = env.CONCLAB_CHROMIUM ? `CONCLAB_CHROMIUM=${env.CONCLAB_CHROMIUM} does not exist` : `none of ${CHROMIUM_CANDIDATES.join(", ")} exists`;
  return `no Chromium found (${where}); install Debian's chromium (apt-get install chromium) or set CONCLAB_CHROMIUM to run the browser tests`;
}

/**
 * The Chromium executable for a test, or null after marking the test skipped (with the reason).
 * Throws instead of skipping when CONCLAB_REQUIRE_BROWSER=1.
 */
export function chromiumOrSkip(t: Pick<TestContext, "skip">, env: NodeJS.ProcessEnv = process.env): string | null {
  const executable = findChromium(env);
  if (executable) return executable;
  const reason = missingReason(env);
  if (browserRequired(env)) throw new Error(`${reason}; ${REQUIRE_BROWSER_VARIABLE}=1 makes this a failure`);
  t.skip(`browser test skipped: ${reason}`);
  return null;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
}

/** A page opened with nothing allowed from anywhere but the page's own file, and what it tried. */
export interface OfflinePage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** console.error messages and uncaught exceptions. */
  readonly consoleErrors: string[];
  /** Requests that were blocked (or, for schemes that cannot be routed, that happened at all). */
  readonly blockedRequests: string[];
  close(): Promise<void>;
}

const withoutHash = (url: string): string => url.replace(/#.*$/, "");

/**
 * Opens `target` in a fresh context whose every other request is aborted and recorded. `target`
 * is a file path (only the file itself is allowed) or an http(s) URL (its origin is allowed, e.g.
 * a loopback server). `data:` URLs are inline content and allowed; `allow` admits more. Waits
 * for the load event.
 */
export async function openOffline(
  browser: Browser,
  target: string,
  options: { viewport?: { width: number; height: number }; allow?: (url: string) => boolean } = {},
): Promise<OfflinePage> {
  const url = /^https?:\/\//.test(target) ? target : pathToFileURL(target).href;
  const origin = url.startsWith("http") ? new URL(url).origin : null;
  const allowed = (candidate: string): boolean =>
    withoutHash(candidate) === withoutHash(url) ||
    (origin !== null && candidate.startsWith(`${origin}/`)) ||
    candidate.startsWith("data:") ||
    candidate === "about:blank" ||
    (options.allow?.(candidate) ?? false);
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, serviceWorkers: "block" });
  const consoleErrors: string[] = [];
  const blockedRequests: string[] = [];
  // Every request is seen by the "request" event below (also those of schemes that routing
  // does not reach); routing aborts the ones that are not allowed.
  await context.route("**/*", (route) => (allowed(route.request().url()) ? route.continue() : route.abort("blockedbyclient")));
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on("request", (request) => {
    const requested = request.url();
    if (!allowed(requested) && !blockedRequests.includes(requested)) blockedRequests.push(requested);
  });
  page.on("websocket", (socket) => blockedRequests.push(socket.url()));
  await page.goto(url, { waitUntil: "load" });
  return { page, context, consoleErrors, blockedRequests, close: () => context.close() };
}
