// The server side of the official Admin UI (@socket.io/admin-ui 0.5), spoken to as the UI
// speaks (its dist/ is the reference for every event and argument): login against a bcrypt
// hash made here by python3's crypt (libxcrypt, never the code under test), `config`,
// `server_stats`, `all_sockets`, the socket and room events, and the commands with their
// filters, in development, production and read-only mode. tests/browser/admin-ui.test.mjs
// drives the real UI.

import assert from "node:assert/strict";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";
import { DEFAULT_TIMEOUT_MS, emitWithAck, once, record, unique } from "./lib/client.mjs";
import { broadcast, join, leave } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { fileWith } from "./lib/backend.mjs";
import { bcryptHash } from "./lib/bcrypt.mjs";

const skip = IS_REFERENCE ? "the reference server has no admin UI of its own" : false;
const PASSWORD = "correct horse battery staple";
const STATS_WAIT_MS = 15_000; // several 2-second server_stats

const HASH_FILE = IS_REFERENCE ? "" : fileWith(`${bcryptHash(PASSWORD)}\n`);
const adminArgs = (...more) => ["--admin-ui", "--admin-password-hash-file", HASH_FILE, ...more];
const CREDENTIALS = { username: "admin", password: PASSWORD };

const ALL_FEATURES = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT",
  "AGGREGATED_EVENTS", "ALL_EVENTS"];

/**
 * An admin socket, connected as the UI connects, with everything the server sent it recorded
 * from the start (session, config and all_sockets come right after CONNECT).
 */
async function connectAdmin(ctx, auth = CREDENTIALS) {
  const socket = ctx.clients.open("websocket", { nsp: "/admin", auth });
  const seen = {};
  for (const event of ["session", "config", "all_sockets", "server_stats", "socket_connected",
    "socket_updated", "socket_disconnected", "room_joined", "room_left", "event_received"]) {
    seen[event] = record(socket, event, `admin ${event}`);
  }
  const [outcome] = await Promise.race([
    once(socket, "connect").then(() => ["connect"]),
    once(socket, "connect_error").then(([err]) => [err]),
  ]);
  if (outcome !== "connect") throw outcome;
  return { socket, seen };
}

/** The connect_error message a login gets. */
async function refusal(ctx, auth) {
  const socket = ctx.clients.open("websocket", { nsp: "/admin", auth });
  const [err] = await once(socket, "connect_error");
  return err.message;
}

/** Resolves with the first recorded item (argument array) satisfying pred. */
async function first(rec, pred, what, timeoutMs = DEFAULT_TIMEOUT_MS) {
  await rec.until((items) => items.some(pred), what, timeoutMs);
  return rec.items.find(pred);
}

/** An admin command with an ack (the UI asks none; the server answers one that is asked). */
const command = (admin, ...args) => emitWithAck(admin.socket, ...args);

describe("admin UI: login", { skip }, () => {
  const ctx = useServer({ extraArgs: adminArgs() });

  it("refuses a wrong password, a wrong username, no credentials and an unknown session", async () => {
    assert.equal(await refusal(ctx, { username: "admin", password: "wrong" }), "invalid credentials");
    assert.equal(await refusal(ctx, { username: "admin", password: `${PASSWORD}x` }), "invalid credentials");
    assert.equal(await refusal(ctx, { username: "root", password: PASSWORD }), "invalid credentials");
    assert.equal(await refusal(ctx, { username: "admin", password: `${PASSWORD}\u0000` }), "invalid credentials");
    assert.equal(await refusal(ctx, { username: "admin" }), "invalid credentials");
    assert.equal(await refusal(ctx, undefined), "invalid credentials");
    assert.equal(await refusal(ctx, { sessionId: "0123456789abcdef" }), "invalid credentials");
  });

  it("accepts the right password, gives a session, and takes the session back instead of the password", async () => {
    const admin = await connectAdmin(ctx);
    const [[sessionId]] = (await admin.seen.session.count(1), admin.seen.session.items);
    assert.match(sessionId, /^[0-9a-f]{16}$/);
    await admin.seen.config.count(1);
    const again = await connectAdmin(ctx, { sessionId });
    await again.seen.config.count(1);
    assert.equal(again.seen.session.items.length, 0, "a known session gets no new one");
  });

  it("keeps the application namespaces' clients out of nothing: they connect without credentials", async () => {
    const s = await ctx.clients.connect("websocket");
    assert.ok(s.connected);
  });
});

describe("admin UI: start-up", { skip }, () => {
  it("refuses to start without a password hash unless --admin-no-auth", async () => {
    await assert.rejects(startServer({ extraArgs: ["--admin-ui"] }), /exited \(code 2.*admin-password-hash-file/s);
    await assert.rejects(startServer({ extraArgs: ["--admin-read-only"] }), /exited \(code 2.*need --admin-ui/s);
    await assert.rejects(startServer({ extraArgs: ["--admin-ui", "--admin-password-hash-file", fileWith("plain-password\n")] }),
      /exited \(code 1.*not a bcrypt hash/s);
    await assert.rejects(startServer({ extraArgs: ["--admin-ui", "--admin-namespace", "/chat", "--admin-no-auth",
      "--namespace", "/chat"] }), /exited \(code 1.*also an application namespace/s);
  });

  it("never prints the hash", async () => {
    const hash = bcryptHash("another");
    const file = fileWith(`${hash}\n`);
    const server = await startServer({ extraArgs: ["--admin-ui", "--admin-password-hash-file", file] });
    await server.stop();
    assert.ok(!server.output().includes(hash.slice(7)), server.output());
  });

  it("lets anyone in with --admin-no-auth, and gives no session then", async () => {
    const server = await startServer({ extraArgs: ["--admin-ui", "--admin-no-auth"] });
    const { Clients } = await import("./lib/client.mjs");
    const clients = new Clients(server.url);
    try {
      const admin = await connectAdmin({ clients }, undefined);
      await admin.seen.config.count(1);
      assert.equal(admin.seen.session.items.length, 0);
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });
});

describe("admin UI: development mode", { skip }, () => {
  const ctx = useServer({ namespaces: ["/chat"], extraArgs: adminArgs() });

  it("sends config with every feature", async () => {
    const admin = await connectAdmin(ctx);
    await admin.seen.config.count(1);
    assert.deepEqual(admin.seen.config.items[0][0], { supportedFeatures: ALL_FEATURES });
  });

  it("sends all_sockets: every namespace's sockets with their rooms and handshake", async () => {
    const a = await ctx.clients.connect("websocket");
    const room = unique();
    await join(a, room);
    const c = await ctx.clients.connect("polling", { nsp: "/chat" });
    const admin = await connectAdmin(ctx);
    await admin.seen.all_sockets.count(1);
    const sockets = admin.seen.all_sockets.items[0][0];
    const byId = new Map(sockets.map((s) => [s.id, s]));
    const sa = byId.get(a.id);
    assert.ok(sa, `a in ${JSON.stringify(sockets)}`);
    assert.equal(sa.nsp, "/");
    assert.deepEqual([...sa.rooms].sort(), [a.id, room].sort());
    assert.equal(sa.transport, "websocket");
    assert.match(sa.clientId, /^[0-9a-f]{12}$/);
    assert.equal(sa.handshake.address, "127.0.0.1");
    assert.equal(sa.handshake.query.EIO, "4");
    assert.deepEqual(sa.data, {});
    const sc = byId.get(c.id);
    assert.equal(sc.nsp, "/chat");
    assert.equal(sc.transport, "polling");
    assert.deepEqual(sc.rooms, [c.id]);
    assert.notEqual(sc.clientId, sa.clientId, "two connections are two clients");
    assert.ok(sockets.some((s) => s.nsp === "/admin" && s.id === admin.socket.id), "the admin socket too");
  });

  it("groups the sockets of one connection under one client id", async () => {
    const manager = ctx.clients.manager("websocket");
    const main = await ctx.clients.connectVia(manager, "websocket", "/");
    const chat = await ctx.clients.connectVia(manager, "websocket", "/chat");
    const admin = await connectAdmin(ctx);
    await admin.seen.all_sockets.count(1);
    const sockets = admin.seen.all_sockets.items[0][0];
    const ids = [main.id, chat.id].map((id) => sockets.find((s) => s.id === id).clientId);
    assert.equal(ids[0], ids[1]);
  });

  it("sends socket_connected, room_joined, room_left and socket_disconnected as they happen", async () => {
    const admin = await connectAdmin(ctx);
    await admin.seen.config.count(1);
    const d = await ctx.clients.connect("websocket", { nsp: "/chat" });
    const [connected, at] = await first(admin.seen.socket_connected, ([s]) => s.id === d.id, "d connected");
    assert.equal(connected.nsp, "/chat");
    assert.deepEqual(connected.rooms, [d.id]);
    assert.ok(!Number.isNaN(Date.parse(at)), `a date: ${at}`);
    const room = unique();
    await join(d, room);
    const joined = await first(admin.seen.room_joined, ([, r, id]) => r === room && id === d.id, "d joined");
    assert.equal(joined[0], "/chat");
    await leave(d, room);
    const left = await first(admin.seen.room_left, ([, r, id]) => r === room && id === d.id, "d left");
    assert.equal(left[0], "/chat");
    const id = d.id;
    d.disconnect();
    const gone = await first(admin.seen.socket_disconnected, ([, sid]) => sid === id, "d disconnected");
    assert.deepEqual(gone.slice(0, 3), ["/chat", id, "client namespace disconnect"]);
  });

  it("sends event_received for the application's sockets' events, binary included, not for the admin's", async () => {
    const admin = await connectAdmin(ctx);
    await admin.seen.config.count(1);
    assert.deepEqual(await command(admin, "emit", "/", null, "news", "x"), { ok: true });
    const d = await ctx.clients.connect("websocket", { nsp: "/chat" });
    d.emit("hello", "text", { n: 1 }, Buffer.from([1, 2, 3]));
    await emitWithAck(d, "rooms");
    const [nsp, id, args, at] = await first(admin.seen.event_received, ([, sid, a]) => sid === d.id && a[0] === "hello",
      "d's hello");
    assert.equal(nsp, "/chat");
    assert.equal(id, d.id);
    assert.deepEqual(args.slice(0, 3), ["hello", "text", { n: 1 }]);
    assert.deepEqual([...args[3]], [1, 2, 3]);
    assert.ok(!Number.isNaN(Date.parse(at)));
    await first(admin.seen.event_received, ([, sid, a]) => sid === d.id && a[0] === "rooms", "d's rooms (its ack left out)");
    assert.deepEqual(admin.seen.event_received.items.find(([, sid, a]) => sid === d.id && a[0] === "rooms")[2], ["rooms"]);
    assert.ok(!admin.seen.event_received.items.some(([n]) => n === "/admin"), "the admin's own commands are not reported");
  });

  it("emit: to a room, to a socket id, to a whole namespace; reserved names and unknown namespaces refused", async () => {
    const admin = await connectAdmin(ctx);
    const [a, b] = await ctx.clients.connectMany("websocket", 2);
    const c = await ctx.clients.connect("websocket", { nsp: "/chat" });
    const room = unique();
    await join(a, room);
    const got = { a: record(a, "news", "a"), b: record(b, "news", "b"), c: record(c, "news", "c") };
    assert.deepEqual(await command(admin, "emit", "/", room, "news", "to the room", { n: 1 }), { ok: true });
    assert.deepEqual(await command(admin, "emit", "/", b.id, "news", "to b"), { ok: true });
    assert.deepEqual(await command(admin, "emit", "/chat", null, "news", "to /chat"), { ok: true });
    assert.deepEqual(await command(admin, "emit", "/", null, "news", "to /"), { ok: true });
    await got.a.count(2);
    await got.b.count(2);
    await got.c.count(1);
    // Each client's deliveries are in order, so what it got before "to /" is all it got.
    assert.deepEqual(got.a.items, [["to the room", { n: 1 }], ["to /"]]);
    assert.deepEqual(got.b.items, [["to b"], ["to /"]]);
    assert.deepEqual(got.c.items, [["to /chat"]]);
    const refused = await command(admin, "emit", "/", null, "connect", "x");
    assert.equal(refused.ok, false);
    assert.match(refused.error, /reserved/);
    assert.deepEqual(await command(admin, "emit", "/nowhere", null, "news"), { ok: false, error: "unknown namespace" });
  });

  it("join and leave: one socket by its id, a room's sockets, a whole namespace", async () => {
    const admin = await connectAdmin(ctx);
    const [a, b] = await ctx.clients.connectMany("websocket", 2);
    const [r1, r2, r3] = [unique(), unique(), unique()];
    await join(b, r1);
    const joined = (room, id) => first(admin.seen.room_joined, ([n, r, s]) => n === "/" && r === room && s === id,
      `${id} joined ${room}`);
    const left = (room, id) => first(admin.seen.room_left, ([n, r, s]) => n === "/" && r === room && s === id,
      `${id} left ${room}`);
    assert.deepEqual(await command(admin, "join", "/", r2, a.id), { ok: true });
    await joined(r2, a.id);
    assert.deepEqual(await command(admin, "join", "/", r3, r1), { ok: true }); // b is r1's only member
    await joined(r3, b.id);
    assert.deepEqual(await command(admin, "join", "/", r2), { ok: true }); // everyone
    await joined(r2, b.id);
    // Nothing else joined: a is in r2 once, only b got r3.
    const adapter = await emitWithAck(a, "adapter");
    assert.deepEqual([...adapter.rooms[r2]].sort(), [a.id, b.id].sort());
    assert.deepEqual(adapter.rooms[r3], [b.id]);
    assert.deepEqual(await command(admin, "leave", "/", r2, b.id), { ok: true });
    await left(r2, b.id);
    assert.deepEqual(await command(admin, "leave", "/", r3), { ok: true });
    await left(r3, b.id);
    const after = await emitWithAck(a, "adapter");
    assert.deepEqual(after.rooms[r2], [a.id]);
    assert.equal(after.rooms[r3], undefined);
    assert.equal((await command(admin, "join", "/", "")).ok, false);
  });

  it("_disconnect: one socket by its id, a room's sockets (closing their connection), a namespace", async () => {
    const admin = await connectAdmin(ctx);
    const [a, b, c] = await ctx.clients.connectMany("websocket", 3);
    const d = await ctx.clients.connect("websocket", { nsp: "/chat" });
    const room = unique();
    await join(c, room);
    const bGone = once(b, "disconnect");
    assert.deepEqual(await command(admin, "_disconnect", "/", false, b.id), { ok: true });
    assert.equal((await bGone)[0], "io server disconnect");
    const cGone = once(c, "disconnect");
    assert.deepEqual(await command(admin, "_disconnect", "/", true, room), { ok: true });
    await cGone;
    // a and d were in neither selection: they still answer.
    assert.ok(Array.isArray(await emitWithAck(a, "rooms")));
    const dGone = once(d, "disconnect");
    assert.deepEqual(await command(admin, "_disconnect", "/chat", false), { ok: true });
    assert.equal((await dGone)[0], "io server disconnect");
    assert.ok(a.connected);
    assert.ok(Array.isArray(await emitWithAck(a, "rooms")));
  });
});

describe("admin UI: server_stats", { skip }, () => {
  const ctx = useServer({ namespaces: ["/chat"], extraArgs: adminArgs("--admin-mode", "production") });

  it("sends this server's identity, clients, sockets per namespace and what happened since the last one", async () => {
    const admin = await connectAdmin(ctx);
    // The admin's own connection may be counted in the first stats it gets or in the next one
    // (it may be in the namespace before its connection handler ran): past the second, only
    // what follows here shows in the aggregated events.
    await admin.seen.server_stats.count(2, STATS_WAIT_MS);
    const since = admin.seen.server_stats.items.length;
    const manager = ctx.clients.manager("websocket");
    const a = await ctx.clients.connectVia(manager, "websocket", "/");
    await ctx.clients.connectVia(manager, "websocket", "/chat");
    const b = await ctx.clients.connect("polling");
    for (let i = 0; i < 5; i++) await emitWithAck(b, "rooms");
    b.disconnect();
    await emitWithAck(a, "rooms");
    const last = await first(admin.seen.server_stats,
      ([s]) => s.namespaces.find((n) => n.name === "/").socketsCount === 1 &&
        s.aggregatedEvents.some((e) => e.type === "rawDisconnection"),
      "stats after b left", STATS_WAIT_MS);
    const stats = last[0];
    assert.equal(stats.serverId, hostname());
    assert.equal(stats.hostname, hostname());
    assert.equal(stats.pid, ctx.server.pid);
    assert.equal(typeof stats.uptime, "number");
    assert.equal(stats.clientsCount, 2, "a's connection and the admin's");
    assert.equal(stats.pollingClientsCount, 0, "b, the polling one, is gone");
    assert.deepEqual([...stats.namespaces].sort((x, y) => x.name.localeCompare(y.name)),
      [{ name: "/", socketsCount: 1 }, { name: "/admin", socketsCount: 1 }, { name: "/chat", socketsCount: 1 }]);
    const events = admin.seen.server_stats.items.slice(since, admin.seen.server_stats.items.indexOf(last) + 1)
      .flatMap(([s]) => s.aggregatedEvents);
    const total = (type) => events.filter((e) => e.type === type).reduce((n, e) => n + e.count, 0);
    assert.equal(total("rawConnection"), 2, JSON.stringify(events));
    assert.equal(total("rawDisconnection"), 1, JSON.stringify(events));
    assert.deepEqual(events.filter((e) => e.type === "rawDisconnection").map((e) => e.subType),
      ["client namespace disconnect"]);
    assert.equal(total("packetsIn"), 6, JSON.stringify(events));
    // The transport's bytes: at least the six events' packets in, and their answers out.
    assert.ok(total("bytesIn") >= 6 * '42["rooms"]'.length, JSON.stringify(events));
    assert.ok(total("bytesOut") > 0, JSON.stringify(events));
    for (const e of events) {
      assert.equal(e.timestamp % 1000, 0, "timestamps are whole seconds");
      assert.ok(e.count > 0);
    }
  });

  it("production mode: config without ALL_EVENTS, and neither all_sockets nor socket events", async () => {
    const admin = await connectAdmin(ctx);
    await admin.seen.config.count(1);
    assert.deepEqual(admin.seen.config.items[0][0],
      { supportedFeatures: ALL_FEATURES.filter((f) => f !== "ALL_EVENTS") });
    const seenStats = admin.seen.server_stats.items.length;
    const s = await ctx.clients.connect("websocket");
    await join(s, unique());
    s.disconnect();
    // Two stats later, whatever dev mode would have sent has long arrived.
    await admin.seen.server_stats.count(seenStats + 2, STATS_WAIT_MS);
    for (const event of ["all_sockets", "socket_connected", "room_joined", "socket_disconnected"]) {
      assert.equal(admin.seen[event].items.length, 0, event);
    }
  });
});

describe("admin UI: read-only mode", { skip }, () => {
  const ctx = useServer({ extraArgs: adminArgs("--admin-read-only") });

  it("says so in config and refuses every command, which then has no effect", async () => {
    const admin = await connectAdmin(ctx);
    await admin.seen.config.count(1);
    assert.deepEqual(admin.seen.config.items[0][0], { supportedFeatures: ["AGGREGATED_EVENTS", "ALL_EVENTS"] });
    await admin.seen.all_sockets.count(1);
    const a = await ctx.clients.connect("websocket");
    const room = unique();
    await join(a, room);
    const news = record(a, "news", "a");
    const gone = record(a, "disconnect", "a");
    const refusedWith = { ok: false, error: "the admin UI is read-only" };
    assert.deepEqual(await command(admin, "emit", "/", room, "news", "refused"), refusedWith);
    assert.deepEqual(await command(admin, "emit", "/", null, "news", "refused"), refusedWith);
    assert.deepEqual(await command(admin, "join", "/", "other", a.id), refusedWith);
    assert.deepEqual(await command(admin, "leave", "/", room, a.id), refusedWith);
    assert.deepEqual(await command(admin, "_disconnect", "/", true, a.id), refusedWith);
    assert.deepEqual(await command(admin, "_disconnect", "/", false), refusedWith);
    // A broadcast issued after the refusals reaches a after anything they would have sent.
    await broadcast(a, { to: [room], event: "news", args: ["marker"], self: true });
    await news.count(1);
    assert.deepEqual(news.items, [["marker"]]);
    assert.deepEqual((await emitWithAck(a, "rooms")).sort(), [a.id, room].sort());
    assert.equal(gone.items.length, 0);
  });
});
