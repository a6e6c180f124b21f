// Adapter events (create-room, join-room, leave-room, delete-room) and disconnection clean-up,
// observed through the rooms app's `watch`, in the three client modes.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { startServer } from "./lib/server.mjs";
import { Clients, MODE_NAMES, emitWithAck, unique } from "./lib/client.mjs";
import { adapterOf, join, leave, sorted, watch } from "./lib/app.mjs";

const ev = (item) => item[0];
const show = (events) => JSON.stringify(events, null, 0);

/** Adapter events among rec's deliveries that concern one of `rooms`. */
function aboutRooms(rec, rooms) {
  const set = new Set(rooms);
  return rec.items.map(ev).filter((e) => e.type.endsWith("-room") && set.has(e.room));
}
/** Every event that concerns socket `id` (as a member, or as the disconnecting socket). */
function aboutSocket(rec, id) {
  return rec.items.map(ev).filter((e) => e.id === id || (e.type === "delete-room" && e.room === id) ||
                                         (e.type === "create-room" && e.room === id));
}
const has = (type, extra = {}) => (items) =>
  items.some(([e]) => e.type === type && Object.entries(extra).every(([k, v]) => e[k] === v));

for (const mode of MODE_NAMES) {
  describe(`adapter events [${mode}]`, () => {
    let server;
    let clients;
    before(async () => {
      server = await startServer({ namespaces: ["/chat"] });
      clients = new Clients(server.url);
    });
    afterEach(() => clients.closeAll());
    after(() => server && server.stop());

    const connect = (opts) => clients.connect(mode, opts);

    it("create-room before join-room, leave-room before delete-room, in causal order", async () => {
      const w = await connect();
      const events = await watch(w);
      const [a, b] = [await connect(), await connect()];
      const r = unique();
      await join(a, r);
      await join(b, r);
      await leave(a, r);
      await leave(b, r);
      await events.until(has("delete-room", { room: r }), `delete-room ${r}`);
      await events.quiet();
      assert.deepEqual(aboutRooms(events, [r]), [
        { type: "create-room", room: r },
        { type: "join-room", room: r, id: a.id },
        { type: "join-room", room: r, id: b.id },
        { type: "leave-room", room: r, id: a.id },
        { type: "leave-room", room: r, id: b.id },
        { type: "delete-room", room: r },
      ], `adapter events for ${r}: ${show(aboutRooms(events, [r]))}`);
    });

    it("joining an array of rooms emits create-room then join-room for each", async () => {
      const w = await connect();
      const events = await watch(w);
      const a = await connect();
      const [r1, r2] = [unique(), unique()];
      await join(a, [r1, r2]);
      await events.until(has("join-room", { room: r2, id: a.id }), `join-room ${r2}`);
      for (const r of [r1, r2]) {
        assert.deepEqual(aboutRooms(events, [r]), [
          { type: "create-room", room: r },
          { type: "join-room", room: r, id: a.id },
        ], `events for ${r}`);
      }
    });

    it("the watcher sees its own joins; a second join of the same room emits nothing", async () => {
      const w = await connect();
      const events = await watch(w);
      const r = unique();
      await join(w, r);
      await events.until(has("join-room", { room: r, id: w.id }), "own join-room");
      await join(w, r);
      await events.quiet();
      assert.deepEqual(aboutRooms(events, [r]), [
        { type: "create-room", room: r },
        { type: "join-room", room: r, id: w.id },
      ]);
    });

    it("leaving a room one is not in emits nothing", async () => {
      const w = await connect();
      const events = await watch(w);
      const a = await connect();
      // a's own-id room events may reach the watcher after a is connected (over polling, on
      // the watcher's next request): wait for them, so that the quiet window sees only leave's.
      await events.until(has("join-room", { room: a.id, id: a.id }), `join-room of own id ${a.id}`);
      const r = unique();
      await leave(a, r);
      await events.quiet();
      assert.deepEqual(aboutRooms(events, [r]), []);
    });

    it("a connecting socket creates and joins its own-id room", async () => {
      const w = await connect();
      const events = await watch(w);
      const a = await connect();
      await events.until(has("join-room", { room: a.id, id: a.id }), `join-room of own id ${a.id}`);
      assert.deepEqual(aboutSocket(events, a.id), [
        { type: "create-room", room: a.id },
        { type: "join-room", room: a.id, id: a.id },
      ]);
    });

    it("disconnecting sees the rooms; then leave/delete; then disconnect with no rooms", async () => {
      const w = await connect();
      const events = await watch(w);
      const [s, t] = [await connect(), await connect()];
      const [r1, r2] = [unique(), unique()];
      await join(s, [r1, r2]);
      await join(t, r2);
      const sid = s.id;
      s.disconnect();
      await events.until(has("disconnect", { id: sid }), `disconnect of ${sid}`);
      await events.quiet();

      const mine = aboutSocket(events, sid).concat(aboutRooms(events, [r1]).filter((e) => e.type === "delete-room"));
      const all = events.items.map(ev);
      const idx = (pred, what) => {
        const i = all.findIndex(pred);
        assert.ok(i >= 0, `missing ${what} in ${show(all)}`);
        return i;
      };
      const iDisconnecting = idx((e) => e.type === "disconnecting" && e.id === sid, "disconnecting");
      const iDisconnect = idx((e) => e.type === "disconnect" && e.id === sid, "disconnect");
      assert.deepEqual(all[iDisconnecting], { type: "disconnecting", id: sid, rooms: sorted([sid, r1, r2]) },
        "disconnecting still sees every room, own id included");
      assert.deepEqual(all[iDisconnect], { type: "disconnect", id: sid, reason: "client namespace disconnect", rooms: [] },
        "disconnect: the socket is in no room any more");
      assert.equal(all.filter((e) => e.type === "disconnecting" && e.id === sid).length, 1, "one disconnecting");
      assert.equal(all.filter((e) => e.type === "disconnect" && e.id === sid).length, 1, "one disconnect");

      // leave-room for each of its rooms; delete-room exactly for those it was the last in
      const leaves = all.map((e, i) => ({ e, i })).filter(({ e }) => e.type === "leave-room" && e.id === sid);
      assert.deepEqual(sorted(leaves.map(({ e }) => e.room)), sorted([sid, r1, r2]), `leave-room events: ${show(mine)}`);
      const deletes = all.map((e, i) => ({ e, i }))
        .filter(({ e }) => e.type === "delete-room" && [sid, r1, r2].includes(e.room));
      assert.deepEqual(sorted(deletes.map(({ e }) => e.room)), sorted([sid, r1]),
        `delete-room exactly for the rooms left empty (not ${r2}, t is still in it): ${show(mine)}`);
      for (const { e, i } of [...leaves, ...deletes]) {
        assert.ok(iDisconnecting < i && i < iDisconnect,
          `${e.type} ${e.room} must come after disconnecting and before disconnect: ${show(all)}`);
      }
      for (const { e, i } of deletes) {
        const li = leaves.find((l) => l.e.room === e.room).i;
        assert.ok(li < i, `leave-room ${e.room} must precede delete-room ${e.room}`);
      }

      // afterwards nothing about s remains in the adapter
      const ad = await adapterOf(w);
      assert.equal(ad.sids[sid], undefined, "sids still lists the disconnected socket");
      assert.equal(ad.rooms[sid], undefined, "own-id room of the disconnected socket still listed");
      assert.equal(ad.rooms[r1], undefined, "room left empty by the disconnect still listed");
      assert.deepEqual(ad.rooms[r2], [t.id], "room shared with a remaining socket");
      assert.deepEqual(ad.sids[t.id], sorted([t.id, r2]));
    });

    it("a server-side disconnect reports reason 'server namespace disconnect'", async () => {
      const w = await connect();
      const events = await watch(w);
      const s = await connect();
      const sid = s.id;
      const r = unique();
      await join(s, r);
      s.emit("server-disconnect", { close: false });
      await events.until(has("disconnect", { id: sid }), `disconnect of ${sid}`);
      const all = events.items.map(ev);
      assert.deepEqual(all.find((e) => e.type === "disconnecting" && e.id === sid),
        { type: "disconnecting", id: sid, rooms: sorted([sid, r]) });
      assert.deepEqual(all.find((e) => e.type === "disconnect" && e.id === sid),
        { type: "disconnect", id: sid, reason: "server namespace disconnect", rooms: [] });
      const ad = await adapterOf(w);
      assert.equal(ad.rooms[r], undefined);
      assert.equal(ad.sids[sid], undefined);
    });

    it("a watcher only sees events of its own namespace", async () => {
      const w = await connect();
      const events = await watch(w);
      const wc = await connect({ nsp: "/chat" });
      const chatEvents = await watch(wc);
      const a = await connect({ nsp: "/chat" });
      const r = unique();
      await join(a, r);
      await chatEvents.until(has("join-room", { room: r, id: a.id }), "join-room in /chat");
      const aid = a.id;
      a.disconnect();
      await chatEvents.until(has("disconnect", { id: aid }), "disconnect in /chat");
      await events.quiet();
      assert.deepEqual(aboutRooms(events, [r, aid]), [], "a / watcher saw room events of /chat");
      assert.deepEqual(aboutSocket(events, aid), [], "a / watcher saw a /chat socket");
    });

    it("a watcher that disconnected receives nothing and the others keep receiving", async () => {
      const [w1, w2] = [await connect(), await connect()];
      const e1 = await watch(w1);
      const e2 = await watch(w2);
      const w1id = w1.id;
      w1.disconnect();
      await e2.until(has("disconnect", { id: w1id }), "disconnect of the first watcher");
      const a = await connect();
      const r = unique();
      await join(a, r);
      await e2.until(has("join-room", { room: r, id: a.id }), "join-room after the other watcher left");
      assert.ok(!e1.items.some(([e]) => e.room === r), "a disconnected watcher still got events");
      // the adapter query still answers after a watcher left
      const ad = await emitWithAck(w2, "adapter");
      assert.deepEqual(ad.rooms[r], [a.id]);
    });
  });
}
