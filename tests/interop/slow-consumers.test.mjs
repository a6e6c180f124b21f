// Slow consumers (atrium only): a client is judged by its progress, not by how many bytes wait
// for it at one moment. A burst of 20,000 messages of 1 KB reaches a polling member (which
// collects it GET by GET) and a WebSocket member whole and in order under the default limits;
// a reader that stops reading is closed once its queue has waited --stall-timeout with nothing
// taken, is counted in /atrium/stats, gets one log line naming the rule, and holds no more than
// --max-queued-bytes meanwhile.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IS_REFERENCE } from "./lib/server.mjs";
import { emitWithAck, record } from "./lib/client.mjs";
import { join } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { aftermath, MB, mb, prepare, stats, until } from "./lib/aftermath.mjs";

const skip = IS_REFERENCE ? "stall timeouts and stats are atrium's" : false;
const SANITIZED = Boolean(process.env.ATRIUM_SANITIZER);
const FILLER = "x".repeat(1000);

/** Ends a client's connection (not only its socket). */
function closeClient(socket) {
  socket.disconnect();
  if (socket.io.engine) socket.io.engine.close();
}

/**
 * `count` broadcasts of ~1 KB to `room` from `publisher`, numbered from `first`, sent without
 * waiting; the last one is acknowledged, so that the server has taken them all when it resolves.
 */
async function burst(publisher, room, first, count) {
  for (let i = first; i < first + count - 1; i++)
    publisher.emit("emit", { to: [room], event: "burst", args: [i, FILLER] });
  // Its ack comes once the server has taken the whole burst: under a sanitizer, on two cores,
  // that takes longer than the usual 5 s.
  const reply = await emitWithAck(publisher, "emit", { to: [room], event: "burst", args: [first + count - 1, FILLER] },
                                  { __ackTimeout: SANITIZED ? 120_000 : 30_000 });
  assert.deepEqual(reply, { ok: true }, "the burst's last emit");
}

const inOrder = (rec) => rec.items.every((args, i) => args[0] === i);

describe("a burst of 20,000 messages of 1 KB (default limits, --stats)", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--stats"] });

  it("reaches a polling member and a WebSocket member whole and in order; nobody is closed", async () => {
    const before = await stats(ctx.server);
    const polling = await ctx.clients.connect("polling");
    const websocket = await ctx.clients.connect("websocket");
    const publisher = await ctx.clients.connect("websocket");
    const dropped = [];
    for (const s of [polling, websocket, publisher]) s.on("disconnect", (why) => dropped.push(why));
    await join(polling, "burst");
    await join(websocket, "burst");
    const got = { polling: record(polling, "burst", "the polling member"),
                  websocket: record(websocket, "burst", "the WebSocket member") };
    const n = 20_000;
    await burst(publisher, "burst", 0, n);
    for (const [mode, rec] of Object.entries(got)) {
      await rec.count(n, SANITIZED ? 120_000 : 30_000);
      assert.equal(rec.items.length, n, `${mode}: every message once`);
      assert.ok(inOrder(rec), `${mode}: in the order they were sent`);
    }
    assert.deepEqual(dropped, [], "no client was closed");
    assert.ok(polling.connected && websocket.connected);
    const after = await stats(ctx.server);
    assert.equal(after.slow_consumer_closes, before.slow_consumer_closes, JSON.stringify(after));
    for (const s of [polling, websocket, publisher]) closeClient(s);
  });
});

describe("--stall-timeout 1000 --stats, heartbeat 60 s: a reader that stops reading", { skip }, () => {
  // The heartbeat is far off, so that only the stall rule can close the reader in time.
  const ctx = useServer({ extraArgs: ["--stall-timeout", "1000", "--ping-interval", "60000",
                                      "--ping-timeout", "60000", "--stats"] });

  it("is closed by the stall rule, counted and logged; memory stays under the cap; the others get everything", async (t) => {
    const scene = await prepare(ctx, "reader that stops reading");
    const before = await stats(ctx.server);
    const stalled = ctx.raw.open(`${ctx.server.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
    const open = JSON.parse((await stalled.next()).slice(1));
    stalled.send("40");
    assert.match(await stalled.next(), /^40\{"sid":/);
    stalled.send('421["join","stall"]');
    assert.equal(await stalled.next(), '431[{"ok":true}]');
    stalled.ws._socket.pause(); // it reads nothing more: the kernel's buffers fill, then the server's queue

    const member = await ctx.clients.connect("websocket");
    const publisher = await ctx.clients.connect("websocket");
    await join(member, "stall");
    const got = record(member, "burst", "the member that reads");
    // 16 MB in bursts of 500 KB: the kernel's buffers take a few MB, then the server's writes
    // to the reader block and its queue waits; the default cap (32 MB) is not reached.
    const sent = 16_000;
    for (let first = 0; first < sent; first += 500) await burst(publisher, "stall", first, 500);
    // Then nothing more is sent: the stall rule closes it on its own, once, and counts it.
    const s = await until(() => stats(ctx.server), (x) => x.slow_consumer_closes > before.slow_consumer_closes,
                          "the reader to be closed", SANITIZED ? 30_000 : 10_000);
    assert.equal(s.stalled_closes, before.stalled_closes + 1, JSON.stringify(s));
    assert.equal(s.queue_full_closes, before.queue_full_closes, JSON.stringify(s));
    assert.equal(s.slow_consumer_closes, before.slow_consumer_closes + 1, JSON.stringify(s));
    await until(() => stats(ctx.server), (x) => x.connections === scene.connections + 2,
                "the reader's session to go");
    await got.count(sent, SANITIZED ? 60_000 : 20_000);
    assert.ok(inOrder(got), "the member that reads got every message, in order");
    const line = await until(async () => ctx.server.output().split("\n")
                               .find((l) => l.includes(`closed session ${open.sid} `)),
                             Boolean, "the close's log line", 5000);
    assert.match(line, /^atrium: closed session \S+ \(127\.0\.0\.1\): slow consumer \(stalled\): its queue waited \d+ ms with nothing read \(--stall-timeout 1000 ms\)$/);
    stalled.ws._socket.resume();
    await stalled.closed(5000, "the closed reader to see the close");
    closeClient(member);
    closeClient(publisher);
    const { baseline, peak } = await aftermath(ctx, scene, t);
    // What the reader held is bounded by --max-queued-bytes (32 MB): the peak may pass the
    // baseline by that and by what the rest of the server holds during the bursts.
    t.diagnostic(`sent ${sent} messages of 1 KB; RSS peak ${mb(peak)} MB over a baseline of ${mb(baseline)} MB`);
    if (!SANITIZED) assert.ok(peak - baseline <= 32 * MB + 16 * MB, `RSS rose by ${mb(peak - baseline)} MB`);
  });
});
