// The chat page (tools/examples/chat, built into share/atrium/chat with the official client) in
// Debian's chromium, served by the real atrium binary with --static and its default client
// policy. Three pages: they join rooms, write, and see the messages of their rooms, in order,
// with who sent them; a page outside a room never receives its messages, also after leaving it.
//
// ATRIUM_UPDATE_SCREENSHOT=1 also writes tools/examples/chat/screenshot.png (the README's), so
// that ordinary runs leave the tree as it is.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN_DIR, IS_REFERENCE, REPO, startServer } from "../interop/lib/server.mjs";
import { browserMissing, launchBrowser } from "./lib/browser.mjs";

export const CHAT_DIR = process.env.ATRIUM_CHAT_DIR || resolve(BIN_DIR, "../share/atrium/chat");
const SCREENSHOT = resolve(REPO, "tools/examples/chat/screenshot.png");
const WAIT_MS = 10_000;

const skip = IS_REFERENCE ? "the page is served by atrium --static" : browserMissing() || false;

/**
 * Waits until `predicate(arg)` holds in the page. Polled on a timer: the pages share one window,
 * and a tab in the background gets no animation frames (Playwright's default polling).
 */
function until(page, predicate, arg) {
  return page.waitForFunction(predicate, arg, { polling: 50 });
}

/** Opens the chat as `name` and waits until it is connected. */
async function openChat(browser, url, name) {
  const page = await browser.page();
  page.setDefaultTimeout(WAIT_MS);
  await page.bringToFront();
  await page.goto(`${url}/`);
  await page.waitForSelector('#status[data-state="connected"]');
  await page.fill("#name", name);
  await page.press("#name", "Tab"); // `change` keeps it
  page.who = name;
  return page;
}

// The pages are tabs of one window, and Playwright's clicks wait for animation frames, which a
// background tab hardly gets: the page acted on comes to the front first.
async function joinRoom(page, room) {
  await page.bringToFront();
  await page.fill("#room-input", room);
  await page.press("#room-input", "Enter");
  await page.waitForSelector(`#rooms [data-room="${room}"]`);
  await until(page, (r) => document.getElementById("room-title").textContent === `# ${r}`, room);
}

async function openRoom(page, room) {
  await page.bringToFront();
  await page.click(`#rooms [data-room="${room}"]`);
  await until(page, (r) => document.getElementById("messages").dataset.room === r, room);
}

async function say(page, room, text) {
  await openRoom(page, room);
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
}

/** The room's messages as [from, text] once it shows `count` of them (never fewer). */
async function messagesOf(page, room, count) {
  await openRoom(page, room);
  try {
    await until(page, (n) => document.querySelectorAll("#messages .message").length >= n, count);
  } catch (e) {
    throw new Error(`${page.who} did not see ${count} messages in #${room}: ${JSON.stringify(await shown(page))} (${e.message})`);
  }
  return shown(page);
}

function shown(page) {
  return page.$$eval("#messages .message", (items) =>
    items.map((li) => [li.querySelector(".from").textContent, li.querySelector(".text").textContent]));
}

async function roomsOf(page) {
  return page.$$eval("#rooms [data-room]", (buttons) => buttons.map((b) => b.dataset.room));
}

/** Every message the page received, whatever its room (the page's own log). */
function received(page) {
  return page.evaluate(() => window.atriumChat.received.map((m) => [m.room, m.from, m.text]));
}

describe("chat page in chromium", { skip }, () => {
  let server;
  let browser;

  before(async () => {
    assert.ok(existsSync(join(CHAT_DIR, "index.html")) && existsSync(join(CHAT_DIR, "socket.io.min.js")),
              `${CHAT_DIR} lacks the chat page or the client: build the atrium target (and npm ci)`);
    server = await startServer({ trusted: false, extraArgs: ["--static", CHAT_DIR] });
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it("two pages in a room exchange messages in order; a third outside it sees none", async () => {
    const ada = await openChat(browser, server.url, "Ada");
    const grace = await openChat(browser, server.url, "Grace");
    const linus = await openChat(browser, server.url, "Linus");
    await ada.setViewportSize({ width: 1100, height: 680 });

    await joinRoom(ada, "general");
    await joinRoom(ada, "release");
    await joinRoom(grace, "general");
    await joinRoom(linus, "release");
    assert.deepEqual(await roomsOf(ada), ["general", "release"]);
    assert.deepEqual(await roomsOf(grace), ["general"]);
    assert.deepEqual(await roomsOf(linus), ["release"]);

    const adaLines = [
      "Morning! Is everyone around for the 4.2 release?",
      "The build is green on all three platforms.",
      "Changelog draft is in the usual place.",
      "I'll tag it at noon unless someone objects.",
      "Last call for reviews on the websocket fix.",
    ];
    for (const line of adaLines) await say(ada, "general", line);
    const fromAda = adaLines.map((t) => ["Ada", t]);
    assert.deepEqual(await messagesOf(grace, "general", 5), fromAda);
    assert.deepEqual(await messagesOf(ada, "general", 5), fromAda);

    const markup = "<b>reviewed</b> & approved: ship it";
    await say(grace, "general", "Looks good to me.");
    await say(grace, "general", markup);
    const general = [...fromAda, ["Grace", "Looks good to me."], ["Grace", markup]];
    assert.deepEqual(await messagesOf(ada, "general", 7), general);
    assert.deepEqual(await messagesOf(grace, "general", 7), general);
    // What a client writes is text, never markup.
    assert.equal(await ada.$$eval("#messages b", (b) => b.length), 0);

    // From one sender, messages leave in order, whatever their room: once Linus has Ada's
    // message to #release, a message of #general delivered to him would have arrived before it.
    await say(ada, "release", "Tagging 4.2 now.");
    assert.deepEqual(await messagesOf(linus, "release", 1), [["Ada", "Tagging 4.2 now."]]);
    await say(linus, "release", "Packages are building.");
    assert.deepEqual(await messagesOf(linus, "release", 2),
                     [["Ada", "Tagging 4.2 now."], ["Linus", "Packages are building."]]);
    assert.deepEqual(await received(linus),
                     [["release", "Ada", "Tagging 4.2 now."], ["release", "Linus", "Packages are building."]]);
    assert.equal((await received(grace)).filter(([room]) => room !== "general").length, 0);

    // Ada reads #general while #release has a message she has not seen.
    await openRoom(ada, "general");
    await say(linus, "release", "Done: 4.2 is out.");
    await until(ada, () =>
      document.querySelector('#rooms [data-room="release"] .unread')?.textContent === "1");
    assert.deepEqual(await shown(ada), general);
    if (process.env.ATRIUM_UPDATE_SCREENSHOT === "1") {
      await ada.bringToFront();
      await ada.fill("#message-input", "Great work, everyone!");
      await ada.screenshot({ path: SCREENSHOT });
      await ada.fill("#message-input", "");
    }
    assert.deepEqual(await messagesOf(ada, "release", 3), [
      ["Ada", "Tagging 4.2 now."], ["Linus", "Packages are building."], ["Linus", "Done: 4.2 is out."],
    ]);

    for (const page of [ada, grace, linus]) assert.deepEqual(page.errors, [], `${page.who}'s console`);
  });

  it("a page that left a room receives nothing more from it", async () => {
    const ada = await openChat(browser, server.url, "Ada");
    const grace = await openChat(browser, server.url, "Grace");
    await joinRoom(ada, "ops");
    await joinRoom(grace, "ops");
    await say(ada, "ops", "before");
    assert.deepEqual(await messagesOf(grace, "ops", 1), [["Ada", "before"]]);

    await openRoom(grace, "ops");
    await grace.click("#leave");
    await until(grace, () => !document.querySelector('#rooms [data-room="ops"]'));
    assert.deepEqual(await roomsOf(grace), []);
    await say(ada, "ops", "after Grace left");
    assert.deepEqual(await messagesOf(ada, "ops", 2), [["Ada", "before"], ["Ada", "after Grace left"]]);

    // Ada's next message, to a room both are in, comes after the one Grace must not get.
    await joinRoom(grace, "lobby");
    await joinRoom(ada, "lobby");
    await say(ada, "lobby", "barrier");
    assert.deepEqual(await messagesOf(grace, "lobby", 1), [["Ada", "barrier"]]);
    assert.deepEqual(await received(grace), [["ops", "Ada", "before"], ["lobby", "Ada", "barrier"]]);

    for (const page of [ada, grace]) assert.deepEqual(page.errors, [], `${page.who}'s console`);
  });

  it("shows the server's refusal of a room", async () => {
    const page = await openChat(browser, server.url, "Eve");
    // Longer than --max-room-name (256): the rooms app refuses it. Set as a value, past the
    // input's own maxlength, as a page of someone else's making would send it.
    await page.$eval("#room-input", (input, name) => { input.value = name; }, "x".repeat(300));
    await page.press("#room-input", "Enter");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error"), /Cannot join/);
    assert.deepEqual(await roomsOf(page), []);
  });
});
