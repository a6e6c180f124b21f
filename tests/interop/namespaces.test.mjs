// Namespaces, multiplexing, connection middleware and disconnection, in the three client modes.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { startServer } from "./lib/server.mjs";
import { Clients, MODE_NAMES, emitWithAck, once, record, unique } from "./lib/client.mjs";
import { adapterOf, broadcast, join, roomsOf, sorted } from "./lib/app.mjs";

for (const mode of MODE_NAMES) {
  describe(`namespaces [${mode}]`, () => {
    let server;
    let clients;
    before(async () => {
      server = await startServer({ namespaces: ["/chat", "/news"] });
      clients = new Clients(server.url);
    });
    afterEach(() => clients.closeAll());
    after(() => server && server.stop());

    const connect = (opts) => clients.connect(mode, opts);

    it("room 'x' in / and room 'x' in /chat share nothing", async () => {
      const x = unique("x");
      const [a, senderRoot] = [await connect(), await connect()];
      const [c, senderChat] = [await connect({ nsp: "/chat" }), await connect({ nsp: "/chat" })];
      await join(a, x);
      await join(c, x);
      const ra = record(a, "iso");
      const rc = record(c, "iso");
      await broadcast(senderRoot, { to: [x], event: "iso", args: ["root"] });
      await ra.exactly(1);
      assert.equal(rc.items.length, 0, "a / broadcast reached room x of /chat");
      await broadcast(senderChat, { to: [x], event: "iso", args: ["chat"] });
      await rc.exactly(1);
      assert.deepEqual(rc.items[0], ["chat"]);
      assert.equal(ra.items.length, 1, "a /chat broadcast reached room x of /");

      const adRoot = await adapterOf(a);
      const adChat = await adapterOf(c);
      assert.deepEqual(adRoot.rooms[x], [a.id]);
      assert.deepEqual(adChat.rooms[x], [c.id]);
      assert.equal(adRoot.sids[c.id], undefined, "/ adapter lists a /chat socket");
      assert.equal(adChat.sids[a.id], undefined, "/chat adapter lists a / socket");
    });

    it("a namespace-wide emit stays in its namespace", async () => {
      const [a, c, n] = [await connect(), await connect({ nsp: "/chat" }), await connect({ nsp: "/news" })];
      const ev = unique("nsp-all");
      const recs = [a, c, n].map((s) => record(s, ev));
      await broadcast(c, { event: ev, self: true });
      await recs[1].exactly(1);
      assert.equal(recs[0].items.length, 0, "/ socket got a /chat namespace-wide emit");
      assert.equal(recs[2].items.length, 0, "/news socket got a /chat namespace-wide emit");
    });

    it("one connection (Manager) serves / and /chat; disconnecting one leaves the other working", async () => {
      const manager = clients.manager(mode);
      const root = await clients.connectVia(manager, mode, "/");
      const chat = await clients.connectVia(manager, mode, "/chat");
      assert.equal(root.io, chat.io, "both sockets share one Manager");
      assert.notEqual(root.id, chat.id, "each namespace socket has its own id");
      const engine = manager.engine;

      const [peerRoot, peerChat] = [await connect(), await connect({ nsp: "/chat" })];
      const r = unique();
      await join(root, r);
      await join(chat, r);
      assert.deepEqual(await roomsOf(root), sorted([root.id, r]));
      assert.deepEqual(await roomsOf(chat), sorted([chat.id, r]));
      const rr = record(root, "mux");
      const rc = record(chat, "mux");
      await broadcast(peerRoot, { to: [r], event: "mux", args: ["/"] });
      await broadcast(peerChat, { to: [r], event: "mux", args: ["/chat"] });
      await rr.exactly(1);
      await rc.exactly(1, { quietMs: 0 });
      assert.deepEqual(rr.items[0], ["/"]);
      assert.deepEqual(rc.items[0], ["/chat"]);

      // disconnect /chat only: / keeps working on the same Engine.IO connection
      const disconnected = once(chat, "disconnect", 5000, "client-side disconnect of /chat");
      chat.disconnect();
      assert.deepEqual((await disconnected)[0], "io client disconnect");
      assert.equal(manager.engine, engine, "the shared connection was replaced");
      assert.equal(engine.readyState, "open", "the shared connection closed with /chat");
      await broadcast(peerRoot, { to: [r], event: "mux", args: ["still here"] });
      await rr.count(2);
      assert.deepEqual(rr.items[1], ["still here"]);
      assert.deepEqual(await roomsOf(root), sorted([root.id, r]));
      const ad = await adapterOf(peerChat);
      assert.equal(ad.sids[chat.id], undefined, "/chat socket still in the /chat adapter after its disconnect");
    });

    it("server-side disconnect(false) ends one namespace socket, the connection stays for the others", async () => {
      const manager = clients.manager(mode);
      const root = await clients.connectVia(manager, mode, "/");
      const chat = await clients.connectVia(manager, mode, "/chat");
      const engine = manager.engine;
      const disconnected = once(chat, "disconnect", 5000, "server-side disconnect of /chat");
      chat.emit("server-disconnect", { close: false });
      assert.equal((await disconnected)[0], "io server disconnect");
      assert.equal(engine.readyState, "open", "disconnect(false) closed the whole connection");
      assert.deepEqual(await roomsOf(root), [root.id], "the / socket stopped working");
    });

    it("server-side disconnect(true) closes the connection and every namespace on it", async () => {
      const manager = clients.manager(mode);
      const root = await clients.connectVia(manager, mode, "/");
      const chat = await clients.connectVia(manager, mode, "/chat");
      const engine = manager.engine;
      const rootGone = once(root, "disconnect", 5000, "disconnect of / after disconnect(true)");
      const chatGone = once(chat, "disconnect", 5000, "disconnect of /chat after disconnect(true)");
      const closed = once(engine, "close", 5000, "close of the Engine.IO connection");
      root.emit("server-disconnect", { close: true });
      assert.equal((await chatGone)[0], "io server disconnect");
      assert.equal((await rootGone)[0], "io server disconnect");
      await closed;
    });

    it("a single socket disconnected by the server sees 'io server disconnect'", async () => {
      const a = await connect();
      const gone = once(a, "disconnect", 5000, "server-side disconnect");
      a.emit("server-disconnect", { close: false });
      assert.equal((await gone)[0], "io server disconnect");
      assert.equal(a.connected, false);
    });

    it("middleware refusal: connect_error carries the auth payload's `reject` text", async () => {
      const s = clients.open(mode, { auth: { reject: "no entry for you" } });
      const [err] = await once(s, "connect_error", 5000, "connect_error for a refused connection");
      assert.equal(err.message, "no entry for you");
      assert.equal(s.connected, false);
      const c = clients.open(mode, { nsp: "/chat", auth: { reject: "chat refused" } });
      const [err2] = await once(c, "connect_error", 5000, "connect_error on /chat");
      assert.equal(err2.message, "chat refused");
    });

    it("middleware lets through an auth payload without a string `reject`", async () => {
      const s = await connect({ auth: { reject: 42, token: "t" } });
      assert.ok(s.connected);
      assert.deepEqual(await roomsOf(s), [s.id]);
    });

    it("a refused namespace leaves the other namespaces of the connection working", async () => {
      const manager = clients.manager(mode);
      const root = await clients.connectVia(manager, mode, "/");
      const refused = manager.socket("/chat", { auth: { reject: "not here" } });
      clients.sockets.add(refused);
      const [err] = await once(refused, "connect_error", 5000, "connect_error on /chat");
      assert.equal(err.message, "not here");
      assert.deepEqual(await roomsOf(root), [root.id]);
    });

    it("an unknown namespace gives connect_error 'Invalid namespace'", async () => {
      const s = clients.open(mode, { nsp: "/does-not-exist" });
      const [err] = await once(s, "connect_error", 5000, "connect_error for an unknown namespace");
      assert.equal(err.message, "Invalid namespace");
    });

    it("an unknown namespace on a shared connection does not break the known one", async () => {
      const manager = clients.manager(mode);
      const root = await clients.connectVia(manager, mode, "/");
      const bad = manager.socket("/nope");
      clients.sockets.add(bad);
      const [err] = await once(bad, "connect_error", 5000, "connect_error for /nope");
      assert.equal(err.message, "Invalid namespace");
      assert.deepEqual(await emitWithAck(root, "join", unique()), { ok: true });
    });
  });
}
