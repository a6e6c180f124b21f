// The rooms app's client policy (atrium only): what a client may do by itself with the default
// settings, with --allow-join / --allow-emit / --no-private-messages / --max-rooms-per-socket,
// and with --trusted-clients. A refusal is an ack {ok:false, error}; a refused broadcast
// reaches nobody (checked by a permitted one sent after it arriving first).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IS_REFERENCE } from "./lib/server.mjs";
import { emitWithAck, record, unique } from "./lib/client.mjs";
import { broadcast, join, roomsOf, sorted } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";

const skip = IS_REFERENCE ? "the client policy is atrium's" : false;

function assertRefused(reply, what) {
  assert.equal(reply && reply.ok, false, `${what} must be refused, got ${JSON.stringify(reply)}`);
  assert.equal(typeof reply.error, "string", `${what}: the refusal says why`);
}

/** A server with `flags` (clients not trusted), and a connect() for it. */
function serverWith(flags) {
  const ctx = useServer({ trusted: false, extraArgs: flags });
  ctx.connect = () => ctx.clients.connect("websocket");
  return ctx;
}

describe("client policy: the defaults", { skip }, () => {
  const ctx = serverWith([]);

  it("a client joins rooms, but never another socket's own-id room", async () => {
    const [a, b] = [await ctx.connect(), await ctx.connect()];
    const r = unique();
    await join(a, r);
    assertRefused(await emitWithAck(a, "join", b.id), "joining another socket's id");
    assertRefused(await emitWithAck(a, "join", [r, b.id]), "a list with another socket's id");
    assertRefused(await emitWithAck(a, "join", "x".repeat(257)), "a 257-byte room name");
    assertRefused(await emitWithAck(a, "join", ""), "an empty room name");
    assert.deepEqual(await roomsOf(a), sorted([a.id, r]), "nothing of the refused lists was joined");
    const shaped = "ABCDEFGHIJKLMN_"; // the form of a socket id, but nobody's
    await join(a, shaped);
    assert.deepEqual(await roomsOf(a), sorted([a.id, r, shaped]));
    // b's private messages still reach b alone.
    const atB = record(b, "private message");
    const atA = record(a, "private message");
    const c = await ctx.connect();
    c.emit("private message", b.id, "for b");
    await atB.count(1);
    assert.deepEqual(atB.items[0], [c.id, "for b"]);
    assert.equal(atA.items.length, 0);
  });

  it("a client broadcasts only to rooms it is in", async () => {
    const [a, b] = [await ctx.connect(), await ctx.connect()];
    const [mine, other] = [unique(), unique()];
    await join(a, mine);
    await join(b, mine);
    await join(b, other);
    const got = record(b, "news");
    assertRefused(await emitWithAck(a, "emit", { to: [other], event: "news", args: ["no"] }),
                  "emit to a room it is not in");
    assertRefused(await emitWithAck(a, "emit", { to: [mine, other], event: "news", args: ["no"] }),
                  "emit to a union with a room it is not in");
    assertRefused(await emitWithAck(a, "emit", { to: [], event: "news", args: ["no"], self: true }),
                  "emit to the whole namespace");
    assertRefused(await emitWithAck(a, "emit", { to: [], event: "news", args: ["no"] }),
                  "socket.broadcast");
    assertRefused(await emitWithAck(a, "emit-with-ack", { to: [other], event: "news", args: [] }),
                  "emit-with-ack to a room it is not in");
    await broadcast(a, { to: [mine], event: "news", args: ["yes"] });
    await got.count(1);
    assert.deepEqual(got.items, [["yes"]], "only the permitted broadcast arrived");
  });

  it("operations on other sockets are refused and change nothing", async () => {
    const [a, b] = [await ctx.connect(), await ctx.connect()];
    for (const [event, arg] of [["adapter"], ["watch"], ["fetch-sockets", {}], ["all-rooms", {}],
                                ["cluster"], ["sockets-join", { rooms: ["x"] }],
                                ["sockets-leave", { rooms: ["x"] }],
                                ["disconnect-sockets", { close: true }],
                                ["server-side-emit", { event: "ping" }]]) {
      const reply = arg === undefined ? await emitWithAck(a, event) : await emitWithAck(a, event, arg);
      assertRefused(reply, event);
    }
    assert.ok(b.connected, "nobody was disconnected");
    assert.deepEqual(await roomsOf(b), [b.id], "nobody was made to join");
  });
});

describe("client policy: --allow-join, --allow-emit none, --no-private-messages, --max-rooms-per-socket", { skip }, () => {
  const ctx = serverWith(["--allow-join", "game:*", "--allow-join", "lobby", "--allow-emit", "none",
                          "--no-private-messages", "--max-rooms-per-socket", "3"]);

  it("only names matching a pattern, and no more rooms than the limit", async () => {
    const a = await ctx.connect();
    assertRefused(await emitWithAck(a, "join", "chat"), "a name matching no pattern");
    assertRefused(await emitWithAck(a, "join", "gamer"), "a name matching no pattern");
    await join(a, "game:1");
    await join(a, ["lobby", "lobby"]); // one room, listed twice
    assertRefused(await emitWithAck(a, "join", "game:2"), "a fourth room (own id included)");
    assert.deepEqual(await roomsOf(a), sorted([a.id, "game:1", "lobby"]));
  });

  it("no broadcasts and no private messages", async () => {
    const [a, b] = [await ctx.connect(), await ctx.connect()];
    await join(a, "game:7");
    await join(b, "game:7");
    assertRefused(await emitWithAck(a, "emit", { to: ["game:7"], event: "news", args: [] }),
                  "emit with --allow-emit none");
    assertRefused(await emitWithAck(a, "private message", b.id, "hi"), "a private message");
  });
});

describe("client policy: --trusted-clients", { skip }, () => {
  const ctx = serverWith(["--trusted-clients"]);

  it("broadcasts anywhere and inspects the adapter, but still never joins another's id", async () => {
    const [a, b] = [await ctx.connect(), await ctx.connect()];
    const r = unique();
    await join(b, r);
    const got = record(b, "news");
    await broadcast(a, { to: [r], event: "news", args: [1] });
    await got.count(1);
    const adapter = await emitWithAck(a, "adapter");
    assert.deepEqual(adapter.rooms[r], [b.id]);
    assertRefused(await emitWithAck(a, "join", b.id), "joining another socket's id");
  });
});
