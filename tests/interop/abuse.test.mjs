// Abuse (atrium only): past --max-events-per-second a socket's events are dropped and counted
// (or, with --disconnect-flooders, the socket is disconnected) while the flooding client
// recovers and the others are served; a client that stops reading during a broadcast storm is
// closed at --max-queued-bytes while the others get every message; GET /atrium/stats reports
// it all. Each attack ends with the check of lib/aftermath.mjs, as in attacks.test.mjs.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IS_REFERENCE } from "./lib/server.mjs";
import { ackTimeout, emitWithAck, once, record, sleep } from "./lib/client.mjs";
import { broadcast, join, roomsOf } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { aftermath, prepare } from "./lib/aftermath.mjs";

const skip = IS_REFERENCE ? "rate limits and stats are atrium's" : false;

async function stats(server) {
  const res = await fetch(`${server.url}/atrium/stats`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Polls the stats until `pred` holds (the server counts asynchronously), at most 5 s. */
async function statsUntil(server, pred, what) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const s = await stats(server);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`stats never showed ${what}: ${JSON.stringify(s)}`);
    await sleep(20);
  }
}

/** Ends a client's connection (not only its socket), as an attacker's going away. */
function closeClient(socket) {
  socket.disconnect();
  if (socket.io.engine) socket.io.engine.close();
}

/**
 * Asks for the socket's rooms until they come (its bucket refills with time; until then each
 * ask is answered with the rate limit's refusal).
 */
async function roomsWhenServed(socket) {
  const deadline = Date.now() + 5000;
  for (;;) {
    let reply;
    try {
      reply = await emitWithAck(socket, "rooms", ackTimeout(300));
    } catch (err) {
      if (Date.now() > deadline) throw err;
      continue;
    }
    if (Array.isArray(reply)) return reply;
    assert.deepEqual(reply, { ok: false, error: "rate limited" });
    if (Date.now() > deadline) throw new Error("still rate limited after 5 s");
    await sleep(50); // a token comes every 200 ms
  }
}

describe("--max-events-per-second 5 --stats", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--max-events-per-second", "5", "--stats"] });

  it("a flood is dropped and counted; the flooder recovers; others are served", async (t) => {
    const scene = await prepare(ctx, "event flood");
    const before = await stats(ctx.server);
    const [flooder, other] = [await ctx.clients.connect("websocket"), await ctx.clients.connect("websocket")];
    let answered = 0; // served: a refusal by the rate limit is an answer too, but not this one
    for (let i = 0; i < 100; i++) flooder.emit("rooms", (reply) => { if (Array.isArray(reply)) answered++; });
    const after = await statsUntil(ctx.server, (s) => s.events_dropped >= before.events_dropped + 90,
                                   "90 dropped events");
    assert.ok(answered <= 10, `at most a burst was answered, got ${answered}`);
    assert.equal(after.connections, before.connections + 2);
    assert.deepEqual(await roomsOf(other), [other.id], "another client is served at once");
    assert.deepEqual(await roomsWhenServed(flooder), [flooder.id], "the flooder is served again");
    assert.ok(flooder.connected, "dropping does not disconnect");
    closeClient(flooder);
    closeClient(other);
    await aftermath(ctx, scene, t);
  });
});

describe("--max-events-per-second 5: events that ask for an ack", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--max-events-per-second", "5", "--stats"] });
  const RATE_LIMITED = { ok: false, error: "rate limited" };

  for (const mode of ["websocket", "polling"]) {
    it(`every one gets an answer: served, or refused with {ok:false, error:"rate limited"} (${mode})`, async () => {
      const before = await stats(ctx.server);
      const s = await ctx.clients.connect(mode);
      // 100 plain and 5 binary events (BINARY_EVENT packets), all asking for an ack.
      const replies = await Promise.all([
        ...Array.from({ length: 100 }, () => emitWithAck(s, "rooms")),
        ...Array.from({ length: 5 }, () => emitWithAck(s, "rooms", Buffer.from([1, 2, 3]))),
      ]);
      const served = replies.filter((r) => Array.isArray(r));
      const refused = replies.filter((r) => !Array.isArray(r));
      for (const r of served) assert.deepEqual(r, [s.id]);
      for (const r of refused) assert.deepEqual(r, RATE_LIMITED);
      assert.ok(served.length <= 10 && refused.length >= 95, `${served.length} served, ${refused.length} refused`);
      assert.ok(replies.slice(100).some((r) => !Array.isArray(r)), "a binary event past the rate is refused too");
      const after = await statsUntil(ctx.server, (x) => x.events_dropped >= before.events_dropped + refused.length,
                                     "the refused events counted");
      assert.equal(after.events_dropped, before.events_dropped + refused.length);
      assert.ok(s.connected, "refusing does not disconnect");
      closeClient(s);
    });
  }
});

describe("--max-events-per-second 5 --disconnect-flooders --stats", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--max-events-per-second", "5",
                                                             "--disconnect-flooders", "--stats"] });

  it("a flooding socket is disconnected by the server and counted", async (t) => {
    const scene = await prepare(ctx, "event flood, disconnect");
    const flooder = await ctx.clients.connect("websocket");
    const other = await ctx.clients.connect("websocket");
    const gone = once(flooder, "disconnect", 5000, "the flooder's disconnect");
    for (let i = 0; i < 100; i++) flooder.emit("rooms", () => {});
    const [reason] = await gone;
    assert.equal(reason, "io server disconnect");
    const s = await statsUntil(ctx.server, (x) => x.flood_disconnects >= 1, "a flood disconnect");
    assert.ok(s.events_dropped >= 1);
    assert.deepEqual(await roomsOf(other), [other.id], "another client is served");
    closeClient(flooder);
    closeClient(other);
    await aftermath(ctx, scene, t);
  });
});

describe("--max-connections 1 --stats", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--max-connections", "1", "--stats"] });

  it("refused connections are counted", async () => {
    await ctx.clients.connect("websocket");
    const refused = ctx.clients.open("polling");
    await once(refused, "connect_error", 5000, "connect_error past the limit");
    const s = await stats(ctx.server);
    assert.equal(s.connections, 1);
    assert.ok(s.connections_refused >= 1, JSON.stringify(s));
  });
});

describe("stats endpoint off by default", { skip }, () => {
  const ctx = useServer();

  it("GET /atrium/stats is not served without --stats", async () => {
    const res = await fetch(`${ctx.server.url}/atrium/stats`);
    assert.equal(res.status, 404);
  });
});

describe("--max-queued-bytes 2000000 --stats: a reader that stalls during a broadcast storm", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--max-queued-bytes", "2000000", "--stats"] });

  it("is closed and counted; the other members get every message, in order", async (t) => {
    const scene = await prepare(ctx, "stalled reader");
    // The stalled reader: a raw Socket.IO client that joins, then stops reading.
    const stalled = ctx.raw.open(`${ctx.server.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`,
                             { autoPong: true });
    const open = JSON.parse((await stalled.next()).slice(1)); // open packet
    stalled.send("40");
    assert.match(await stalled.next(), /^40\{"sid":/);
    stalled.send('421["join","storm"]');
    assert.equal(await stalled.next(), '431[{"ok":true}]');
    stalled.ws._socket.pause();

    const [member, publisher] = [await ctx.clients.connect("websocket"), await ctx.clients.connect("websocket")];
    await join(member, "storm");
    const got = record(member, "storm");
    // 16 MB to the room, in acknowledged batches so that the healthy member keeps up: far past
    // what the stalled client's socket buffers and queue may hold.
    const batches = 40;
    const perBatch = 100;
    const filler = "x".repeat(4000);
    for (let b = 0; b < batches; b++) {
      for (let i = 1; i < perBatch; i++)
        publisher.emit("emit", { to: ["storm"], event: "storm", args: [b * perBatch + i - 1, filler] });
      await broadcast(publisher, { to: ["storm"], event: "storm", args: [b * perBatch + perBatch - 1, filler] });
    }
    await got.count(batches * perBatch, 20_000);
    assert.deepEqual(got.items.map((args) => args[0]), [...Array(batches * perBatch).keys()],
                     "the healthy member got the storm, in order");
    const s = await statsUntil(ctx.server, (x) => x.slow_consumer_closes >= 1, "a slow consumer closed");
    assert.equal(s.slow_consumer_closes, 1, "only the stalled client was closed");
    assert.equal(s.queue_full_closes, 1, "by the cap, not by the stall rule");
    assert.ok(ctx.server.output().includes(
      `atrium: closed session ${open.sid} (127.0.0.1): slow consumer (queue full): its outbound queue would pass 2000000 bytes (--max-queued-bytes)\n`),
      `the close is logged with the rule that fired:\n${ctx.server.output()}`);
    stalled.ws._socket.resume();
    await stalled.closed(5000, "the server to close the stalled client");
    closeClient(member);
    closeClient(publisher);
    await aftermath(ctx, scene, t);
  });
});

describe("closes for a limit or a protocol error are logged, at most a few lines per cause", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--stats"] });
  const wsUrl = () => `${ctx.server.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
  const LINE = /^atrium: closed session (\S+) \(127\.0\.0\.1\): protocol error: a Socket\.IO packet that does not decode \(unknown_packet_type\)( \[(\d+) more closes for this cause not logged\])?$/;
  const lines = () => ctx.server.output().split("\n").filter((l) => l.includes(": protocol error: "));

  /** A raw client that sends a packet no Socket.IO type starts with; resolves with its sid once closed. */
  async function badClient() {
    const ws = ctx.raw.open(wsUrl());
    const { sid } = JSON.parse((await ws.next()).slice(1));
    ws.send("4abc");
    await ws.closed(5000, "the server to close a client that broke the protocol");
    return sid;
  }

  it("one line each, with session, address and rule; 30 at once write at most a burst, then the count", async () => {
    const first = await badClient();
    const [line] = lines();
    assert.match(line || "", LINE, ctx.server.output());
    assert.equal(LINE.exec(line)[1], first, "the line names the session");
    const start = Date.now();
    await Promise.all(Array.from({ length: 30 }, () => badClient()));
    // 10 lines at once, then one a second: however long the 30 took, most were left out.
    const seconds = Math.ceil((Date.now() - start) / 1000);
    assert.ok(lines().length <= 10 + seconds + 1, `${lines().length} lines in ${seconds} s:\n${lines().join("\n")}`);
    assert.ok(lines().length < 31, "some lines were left out");
    // A later close is logged again, and says how many were left out meanwhile.
    const deadline = Date.now() + 5000;
    while (!lines().some((l) => LINE.exec(l)?.[3])) {
      assert.ok(Date.now() < deadline, `no line counted the left-out ones:\n${lines().join("\n")}`);
      await badClient();
      await sleep(200);
    }
    for (const l of lines()) assert.match(l, LINE);
    const other = await ctx.clients.connect("websocket");
    assert.deepEqual(await roomsOf(other), [other.id], "others are served");
    closeClient(other);
  });
});

describe("thousands of unknown namespaces and a room-join flood", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--stats"] });

  it("2,000 CONNECTs to unknown namespaces each get CONNECT_ERROR and leave nothing behind", async (t) => {
    const scene = await prepare(ctx, "unknown namespaces");
    const s = ctx.raw.open(`${ctx.server.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`,
                       { autoPong: true });
    await s.next();
    for (let i = 0; i < 2000; i++) s.send(`40/nowhere-${i},`);
    for (let i = 0; i < 2000; i++)
      assert.equal(await s.next(), `44/nowhere-${i},{"message":"Invalid namespace"}`);
    s.send("40");
    assert.match(await s.next(), /^40\{"sid":/, "the same connection still joins /");
    const other = await ctx.clients.connect("websocket");
    assert.deepEqual(await roomsOf(other), [other.id]);
    s.close();
    closeClient(other);
    await aftermath(ctx, scene, t);
  });

  it("joining 2,000 rooms at once is refused; 999 are taken", async (t) => {
    const scene = await prepare(ctx, "room-join flood");
    const a = await ctx.clients.connect("websocket");
    const many = Array.from({ length: 2000 }, (_, i) => `flood-${i}`);
    const reply = await emitWithAck(a, "join", many);
    assert.equal(reply.ok, false, JSON.stringify(reply));
    assert.deepEqual(await roomsOf(a), [a.id], "nothing of the refused join was taken");
    await join(a, many.slice(0, 999));
    assert.equal((await roomsOf(a)).length, 1000);
    closeClient(a);
    await aftermath(ctx, scene, t);
  });
});

describe("a disconnect storm of 500 clients", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--stats"] });

  it("every session and room goes away; a client connected before and a fresh one are served", async (t) => {
    const scene = await prepare(ctx, "disconnect storm");
    const before = await stats(ctx.server);
    const veteran = await ctx.clients.connect("websocket");
    await join(veteran, "storm-room");
    const crowd = [];
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => ctx.clients.connect("websocket")));
      await Promise.all(batch.map((s) => join(s, "storm-room")));
      crowd.push(...batch);
    }
    assert.equal((await stats(ctx.server)).connections, before.connections + 501);
    for (const s of crowd) s.disconnect(); // all at once
    await statsUntil(ctx.server, (s) => s.connections === before.connections + 1,
                     "the 500 sessions gone");
    const adapter = await emitWithAck(veteran, "adapter");
    assert.deepEqual(adapter.rooms["storm-room"], [veteran.id], "the room keeps only the veteran");
    assert.equal(Object.keys(adapter.sids).length, 1 + scene.veterans.length,
                 "the adapter holds only the veterans");
    const fresh = await ctx.clients.connect("websocket");
    const got = record(veteran, "after-storm");
    await broadcast(fresh, { to: ["storm-room"], event: "after-storm", args: [1] });
    await got.count(1);
    closeClient(fresh);
    closeClient(veteran);
    await aftermath(ctx, scene, t);
  });
});
