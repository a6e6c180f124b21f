// The official Admin UI itself (@socket.io/admin-ui's built ui/dist, served here as it ships)
// in Debian's chromium against a running atrium: log in through its connection form, see the
// sockets and rooms of official clients connected from node, disconnect one from the UI and see
// that client disconnected. Screenshots go to ATRIUM_SCREENSHOT_DIR (default: build/).

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { browserMissing, launchBrowser } from "./lib/browser.mjs";
import { IS_REFERENCE, REPO, startServer } from "../interop/lib/server.mjs";
import { Clients, once, unique } from "../interop/lib/client.mjs";
import { join as joinRoom } from "../interop/lib/app.mjs";
import { fileWith } from "../interop/lib/backend.mjs";
import { bcryptHash } from "../interop/lib/bcrypt.mjs";

const UI_DIR = resolve(REPO, "node_modules/@socket.io/admin-ui/ui/dist");
const SHOTS = process.env.ATRIUM_SCREENSHOT_DIR || resolve(REPO, "build");
const PASSWORD = "the admin password of the browser test";
const UI_TIMEOUT_MS = 20_000;

const skip = IS_REFERENCE ? "atrium's admin UI" : browserMissing() || false;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
  ".svg": "image/svg+xml", ".png": "image/png", ".map": "application/json" };

/** ui/dist over HTTP on 127.0.0.1, as anyone would host it (another origin than atrium's). */
function serveUi() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(UI_DIR, path === "/" ? "index.html" : path);
    if (!file.startsWith(UI_DIR) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((res) => server.listen(0, "127.0.0.1", () => res({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}

describe("the official Admin UI in chromium", { skip }, () => {
  let atrium;
  let ui;
  let browser;
  let clients;
  before(async () => {
    atrium = await startServer({
      namespaces: ["/chat"],
      extraArgs: ["--admin-ui", "--admin-password-hash-file", fileWith(`${bcryptHash(PASSWORD)}\n`)],
    });
    ui = await serveUi();
    browser = await launchBrowser();
    clients = new Clients(atrium.url);
  });
  after(async () => {
    if (clients) await clients.closeAll();
    if (browser) await browser.close();
    if (ui) await ui.close();
    if (atrium) await atrium.stop();
  });

  it("logs in, shows the sockets and rooms, and disconnects a socket", async () => {
    const [lobby, kitchen] = [unique("lobby"), unique("kitchen")];
    const [alice, bob] = await clients.connectMany("websocket", 2);
    const carol = await clients.connect("polling");
    await joinRoom(alice, lobby);
    await joinRoom(bob, lobby);
    await joinRoom(carol, kitchen);

    const page = await browser.page();
    // The page asks Google Fonts and jsdelivr for its fonts and icons: this machine has no
    // network, so those fail at once instead of waiting.
    await page.route((url) => !url.href.startsWith(ui.url) && !url.href.startsWith(atrium.url),
      (route) => route.abort());
    await page.goto(`${ui.url}/`);
    await page.getByLabel("Server URL").fill(atrium.url);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByText("Invalid credentials").waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByLabel("Server URL").waitFor({ state: "hidden", timeout: UI_TIMEOUT_MS });

    await page.goto(`${ui.url}/#/sockets/`);
    for (const s of [alice, bob, carol]) {
      await page.getByRole("row").filter({ hasText: s.id }).waitFor({ timeout: UI_TIMEOUT_MS });
    }
    mkdirSync(SHOTS, { recursive: true });
    const socketsShot = join(SHOTS, "admin-ui-sockets.png");
    await page.screenshot({ path: socketsShot, fullPage: true });
    console.log(`screenshot: ${socketsShot}`);

    await page.goto(`${ui.url}/#/rooms/`);
    for (const room of [lobby, kitchen]) {
      await page.getByRole("row").filter({ hasText: room }).waitFor({ timeout: UI_TIMEOUT_MS });
    }
    await page.screenshot({ path: join(SHOTS, "admin-ui-rooms.png"), fullPage: true });

    await page.goto(`${ui.url}/#/sockets/`);
    const bobId = bob.id; // the client forgets it once disconnected
    const row = page.getByRole("row").filter({ hasText: bobId });
    const gone = once(bob, "disconnect", UI_TIMEOUT_MS, "bob, disconnected from the UI");
    await row.getByRole("button").click();
    assert.equal((await gone)[0], "io server disconnect");
    // The UI hears of it too (development mode): back on the list (the click also opened the
    // socket's page), bob's row goes and the others stay.
    await page.goto(`${ui.url}/#/sockets/`);
    await page.getByRole("row").filter({ hasText: alice.id }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole("row").filter({ hasText: bobId }).waitFor({ state: "detached", timeout: UI_TIMEOUT_MS });
    assert.ok(alice.connected && carol.connected);
    await page.screenshot({ path: join(SHOTS, "admin-ui-after-disconnect.png"), fullPage: true });

    const unexpected = page.errors.filter((e) => !/ERR_FAILED|net::|Failed to load resource/.test(e));
    assert.deepEqual(unexpected, []);
  });
});
