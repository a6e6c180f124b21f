// Launches Debian's chromium (never a downloaded browser) through playwright-core, headless and
// with its background networking off: this machine's network is closed, and chromium's own
// lookups would otherwise fail at every start. Each launch gets an empty profile of its own.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.ATRIUM_CHROMIUM || "/usr/bin/chromium";
const LAUNCH_TIMEOUT_MS = 30_000;

/** Why the browser tests cannot run here (for `skip`), or "" when they can. */
export function browserMissing() {
  return existsSync(CHROMIUM) ? "" : `${CHROMIUM} not found (apt-get install chromium)`;
}

/**
 * A headless chromium. `close()` ends it and removes its profile; call it in `after()`, since
 * a browser left running keeps node's test runner alive.
 */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "atrium-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox", // the tests run as root on CI, where chromium's sandbox refuses to start
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context: browser,
    /** A new tab; a console error or an uncaught exception in it is collected in `errors`. */
    async page() {
      const page = await browser.newPage();
      page.errors = [];
      page.on("pageerror", (e) => page.errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
      return page;
    },
    async close() {
      try { await browser.close(); } finally { rmSync(profile, { recursive: true, force: true }); }
    },
  };
}
