// Rooms with the official socket.io client, in the three client modes: join/leave, targeting
// (to/in, unions, except, self, whole namespace), own-id rooms, private messages, `rooms`,
// `adapter`, ordering and acks in both directions.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";
import { Clients, MODE_NAMES, emitWithAck, once, record, unique } from "./lib/client.mjs";
import { adapterOf, broadcast, join, leave, roomsOf, sorted } from "./lib/app.mjs";

/** Socket.IO's reserved event names: a server that emitted one would drop official clients. */
const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

for (const mode of MODE_NAMES) {
  describe(`rooms [${mode}]`, () => {
    let server;
    let clients;
    before(async () => {
      server = await startServer({ namespaces: ["/chat"] });
      clients = new Clients(server.url);
    });
    afterEach(() => clients.closeAll());
    after(() => server && server.stop());

    const connect = (opts) => clients.connect(mode, opts);
    const connectN = (n, opts) => Promise.all(Array.from({ length: n }, () => connect(opts)));

    it("join a single room and leave it, acked; rooms lists the own id", async () => {
      const a = await connect();
      const r = unique();
      assert.deepEqual(await roomsOf(a), [a.id], "a fresh socket is in its own-id room only");
      assert.deepEqual(await emitWithAck(a, "join", r), { ok: true });
      assert.deepEqual(await roomsOf(a), sorted([a.id, r]));
      assert.deepEqual(await emitWithAck(a, "leave", r), { ok: true });
      assert.deepEqual(await roomsOf(a), [a.id]);
    });

    it("join an array of rooms, leave one of them", async () => {
      const a = await connect();
      const [r1, r2, r3] = [unique(), unique(), unique()];
      assert.deepEqual(await emitWithAck(a, "join", [r1, r2, r3]), { ok: true });
      assert.deepEqual(await roomsOf(a), sorted([a.id, r1, r2, r3]));
      await leave(a, r2);
      assert.deepEqual(await roomsOf(a), sorted([a.id, r1, r3]));
    });

    it("joining a room twice keeps one membership", async () => {
      const [a, b] = await connectN(2);
      const r = unique();
      await join(a, r);
      await join(a, [r, r]);
      assert.deepEqual(await roomsOf(a), sorted([a.id, r]));
      const got = record(a, "twice");
      await broadcast(b, { to: [r], event: "twice", args: [1] });
      await got.exactly(1);
    });

    it("join with a bad argument is refused in the ack", async () => {
      const a = await connect();
      for (const bad of [42, null, { room: "x" }, ["ok", 5]]) {
        const reply = await emitWithAck(a, "join", bad);
        assert.equal(reply && reply.ok, false, `join ${JSON.stringify(bad)} must be refused, got ${JSON.stringify(reply)}`);
        assert.equal(typeof reply.error, "string", "refusal carries an error text");
        assert.ok(reply.error.length > 0, "refusal error text is not empty");
      }
      assert.deepEqual(await roomsOf(a), [a.id], "a refused join joins nothing");
    });

    it("leaving a room never joined is acked ok", async () => {
      const a = await connect();
      assert.deepEqual(await emitWithAck(a, "leave", unique()), { ok: true });
      assert.deepEqual(await roomsOf(a), [a.id]);
    });

    it("emit to a room reaches its members exactly once and nobody else", async () => {
      const [a, b, c, sender] = await connectN(4);
      const r = unique();
      await join(a, r);
      await join(b, r);
      const recs = [a, b, c, sender].map((s) => record(s, "news"));
      const args = [1, "two", { three: [true, null] }, [4.5], false];
      await broadcast(sender, { to: [r], event: "news", args });
      await recs[0].exactly(1);
      assert.deepEqual(recs[0].items[0], args, "every JSON type passes through unchanged");
      assert.deepEqual(recs[1].items, [args]);
      assert.deepEqual(recs[2].items, [], "non-member received a room broadcast");
      assert.deepEqual(recs[3].items, [], "sender (self:false, not a member) received it");
    });

    it("a leave acknowledged before a broadcast takes effect for it", async () => {
      const [a, b, sender] = await connectN(3);
      const r = unique();
      await join(a, r);
      await join(b, r);
      await leave(a, r);
      const ra = record(a, "after-leave");
      const rb = record(b, "after-leave");
      await broadcast(sender, { to: [r], event: "after-leave" });
      await rb.exactly(1);
      assert.equal(ra.items.length, 0, "a socket that left still received the room broadcast");
    });

    for (const self of [false, true]) {
      it(`a union of rooms reaches a socket in several of them once (self:${self})`, async () => {
        const [x, y, z, w, sender] = await connectN(5);
        const [r1, r2, r3] = [unique(), unique(), unique()];
        await join(x, [r1, r2, r3]);
        await join(y, r1);
        await join(z, [r2, r3]);
        const recs = [x, y, z, w].map((s) => record(s, "union"));
        await broadcast(sender, { to: [r1, r2, r3], event: "union", args: ["u"], self });
        await Promise.all(recs.slice(0, 3).map((rec) => rec.exactly(1)));
        assert.deepEqual(recs[0].items, [["u"]], "member of three rooms gets it once");
        assert.equal(recs[3].items.length, 0, "socket in none of the rooms received it");
      });
    }

    it("the same room listed twice in `to` still delivers once", async () => {
      const [a, sender] = await connectN(2);
      const r = unique();
      await join(a, r);
      const rec = record(a, "dup-to");
      await broadcast(sender, { to: [r, r], event: "dup-to" });
      await rec.exactly(1);
    });

    it("except removes every socket in any of the excepted rooms", async () => {
      const [a, b, c, d, sender] = await connectN(5);
      const [r1, r2, r3] = [unique(), unique(), unique()];
      await join(a, r1);
      await join(b, [r1, r2]);
      await join(c, [r1, r3]);
      await join(d, [r1]);
      const recs = [a, b, c, d].map((s) => record(s, "exc"));
      await broadcast(sender, { to: [r1], except: [r2, r3], event: "exc" });
      await recs[0].count(1);
      await recs[3].exactly(1);
      assert.equal(recs[0].items.length, 1);
      assert.equal(recs[1].items.length, 0, "socket in an excepted room (r2) received it");
      assert.equal(recs[2].items.length, 0, "socket in an excepted room (r3) received it");
    });

    it("except with an empty `to` targets the whole namespace minus the excepted rooms", async () => {
      const [a, b, sender] = await connectN(3);
      const r = unique();
      await join(b, r);
      const ra = record(a, "exc-all");
      const rb = record(b, "exc-all");
      const rs = record(sender, "exc-all");
      await broadcast(sender, { except: [r], event: "exc-all", self: true });
      await ra.exactly(1);
      await rs.exactly(1, { quietMs: 0 });
      assert.equal(rb.items.length, 0, "socket in the excepted room received it");
    });

    it("except by own id excludes that socket; `to` an own id targets it", async () => {
      const [a, b, c, sender] = await connectN(4);
      const r = unique();
      await join(a, r);
      await join(b, r);
      const ra = record(a, "own");
      const rb = record(b, "own");
      const rc = record(c, "own");
      await broadcast(sender, { to: [r], except: [b.id], event: "own", args: ["not b"] });
      await ra.exactly(1);
      assert.equal(rb.items.length, 0, "socket excepted by its id received it");
      await broadcast(sender, { to: [c.id], event: "own", args: ["to c"] });
      await rc.exactly(1);
      assert.deepEqual(rc.items[0], ["to c"]);
      assert.equal(ra.items.length, 1, "emit to c's id reached a");
      assert.equal(rb.items.length, 0, "emit to c's id reached b");
    });

    it("self:false excludes the sender even when it is in the room", async () => {
      const [sender, a] = await connectN(2);
      const r = unique();
      await join(sender, r);
      await join(a, r);
      const rs = record(sender, "nf");
      const ra = record(a, "nf");
      await broadcast(sender, { to: [r], event: "nf", self: false });
      await ra.exactly(1);
      assert.equal(rs.items.length, 0, "sender received its own self:false broadcast");
    });

    it("self:true includes the sender when it is in the room", async () => {
      const [sender, a] = await connectN(2);
      const r = unique();
      await join(sender, r);
      await join(a, r);
      const rs = record(sender, "st");
      const ra = record(a, "st");
      await broadcast(sender, { to: [r], event: "st", self: true, args: [7] });
      await ra.exactly(1);
      await rs.exactly(1, { quietMs: 0 });
      assert.deepEqual(rs.items[0], [7]);
    });

    it("self:true with a room the sender is not in does not reach the sender", async () => {
      const [sender, a] = await connectN(2);
      const r = unique();
      await join(a, r);
      const rs = record(sender, "st2");
      const ra = record(a, "st2");
      await broadcast(sender, { to: [r], event: "st2", self: true });
      await ra.exactly(1);
      assert.equal(rs.items.length, 0);
    });

    it("empty `to` with self:true reaches the whole namespace, sender included, once each", async () => {
      const [a, b, sender] = await connectN(3);
      const other = await connect({ nsp: "/chat" });
      const r = unique();
      await join(a, r); // membership must not cause a second delivery
      const ev = unique("all");
      const recs = [a, b, sender, other].map((s) => record(s, ev));
      await broadcast(sender, { event: ev, self: true, args: ["everyone"] });
      await Promise.all(recs.slice(0, 3).map((rec) => rec.exactly(1)));
      assert.equal(recs[3].items.length, 0, "a socket of /chat received a / broadcast");
    });

    it("empty `to` with self:false is socket.broadcast: everyone but the sender", async () => {
      const [a, b, sender] = await connectN(3);
      const ev = unique("bc");
      const recs = [a, b, sender].map((s) => record(s, ev));
      await broadcast(sender, { event: ev, self: false });
      await recs[0].exactly(1);
      await recs[1].exactly(1, { quietMs: 0 });
      assert.equal(recs[2].items.length, 0, "sender received its own socket.broadcast");
    });

    it("emit to a room with no members delivers nothing and is acked", async () => {
      const [a, sender] = await connectN(2);
      const rec = record(a, "void");
      await broadcast(sender, { to: [unique()], event: "void", self: true });
      await rec.quiet();
    });

    it("emit without an ack callback still broadcasts", async () => {
      const [a, sender] = await connectN(2);
      const r = unique();
      await join(a, r);
      const rec = record(a, "noack");
      sender.emit("emit", { to: [r], except: [], event: "noack", args: ["x"], self: false });
      await rec.exactly(1);
      assert.deepEqual(rec.items[0], ["x"]);
    });

    it("private message reaches only the addressed socket, with the sender id", async () => {
      const [a, b, c] = await connectN(3);
      const recs = [a, b, c].map((s) => record(s, "private message"));
      a.emit("private message", b.id, { text: "hi b" });
      await recs[1].exactly(1);
      assert.deepEqual(recs[1].items[0], [a.id, { text: "hi b" }]);
      assert.equal(recs[0].items.length, 0, "sender got its own private message");
      assert.equal(recs[2].items.length, 0, "a third socket got the private message");
    });

    it("private message to one's own id delivers nothing (socket.to excludes the sender)", async () => {
      const [a] = await connectN(1);
      const rec = record(a, "private message");
      a.emit("private message", a.id, "me");
      // a round trip on the same connection: the message was handled before this ack
      await roomsOf(a);
      await rec.quiet();
    });

    it("adapter maps list rooms and sids, own-id rooms included; empty rooms disappear", async () => {
      const [a, b] = await connectN(2);
      const [r1, r2] = [unique(), unique()];
      await join(a, [r1, r2]);
      await join(b, r2);
      let ad = await adapterOf(a);
      assert.deepEqual(ad.rooms[r1], [a.id]);
      assert.deepEqual(ad.rooms[r2], sorted([a.id, b.id]));
      assert.deepEqual(ad.rooms[a.id], [a.id], "own-id room of a");
      assert.deepEqual(ad.rooms[b.id], [b.id], "own-id room of b");
      assert.deepEqual(ad.sids[a.id], sorted([a.id, r1, r2]));
      assert.deepEqual(ad.sids[b.id], sorted([b.id, r2]));
      await leave(a, r1);
      ad = await adapterOf(b);
      assert.equal(ad.rooms[r1], undefined, "empty room r1 still listed after its last member left");
      assert.deepEqual(ad.sids[a.id], sorted([a.id, r2]));
    });

    it("reserved event names are refused in the ack; the room's members stay and get the next event", async () => {
      const [member, sender] = await connectN(2);
      const r = unique();
      await join(member, r);
      await join(sender, r);
      const drops = record(member, "disconnect", "the member");
      const senderDrops = record(sender, "disconnect", "the sender");
      for (const event of RESERVED) {
        const refusal = { ok: false, error: `"${event}" is a reserved event name` };
        for (const self of [true, false]) {
          assert.deepEqual(await emitWithAck(sender, "emit", { to: [r], event, args: [1], self }), refusal,
                           `emit ${event} (self:${self})`);
        }
        assert.deepEqual(await emitWithAck(sender, "emit", { event, args: [] }), refusal, `emit ${event} to all`);
        assert.deepEqual(await emitWithAck(sender, "call", { event, args: [] }), refusal, `call ${event}`);
        if (IS_REFERENCE) continue; // its rooms app has neither of these
        assert.deepEqual(await emitWithAck(sender, "emit-with-ack", { to: [r], event, args: [], timeout: 1000 }),
                         refusal, `emit-with-ack ${event}`);
        assert.deepEqual(await emitWithAck(sender, "server-side-emit", { event, args: [], timeout: 1000 }),
                         refusal, `server-side-emit ${event}`);
      }
      const got = record(member, "after-reserved");
      await broadcast(sender, { to: [r], event: "after-reserved", args: ["still here"] });
      await got.exactly(1);
      assert.deepEqual(got.items, [["still here"]]);
      assert.ok(member.connected && sender.connected, "nobody was disconnected");
      assert.equal(drops.items.length + senderDrops.items.length, 0);
    });

    it("frames from one sender reach a member in the order they were produced", async () => {
      const [a, sender] = await connectN(2);
      const r = unique();
      await join(a, r);
      const rec = record(a, "seq");
      const n = 100;
      const acks = [];
      for (let i = 0; i < n; i++) acks.push(emitWithAck(sender, "emit", { to: [r], except: [], event: "seq", args: [i], self: false }));
      for (const reply of await Promise.all(acks)) assert.deepEqual(reply, { ok: true });
      await rec.exactly(n);
      assert.deepEqual(rec.items.map((x) => x[0]), Array.from({ length: n }, (_, i) => i));
    });

    it("server-to-client ack through `call` returns the client's reply values", async () => {
      const a = await connect();
      a.on("question", (x, y, cb) => cb(x + y, "sum", { of: [x, y] }));
      a.on("no-args", (cb) => cb());
      assert.deepEqual(await emitWithAck(a, "call", { event: "question", args: [2, 3] }),
        { ok: true, reply: [5, "sum", { of: [2, 3] }] });
      assert.deepEqual(await emitWithAck(a, "call", { event: "no-args", args: [] }),
        { ok: true, reply: [] });
    });

    it("client acks the server's `call` asynchronously", async () => {
      const a = await connect();
      a.on("later", (v, cb) => setTimeout(() => cb(v * 2), 20));
      const [r1, r2] = await Promise.all([
        emitWithAck(a, "call", { event: "later", args: [1] }),
        emitWithAck(a, "call", { event: "later", args: [21] }),
      ]);
      assert.deepEqual(r1, { ok: true, reply: [2] });
      assert.deepEqual(r2, { ok: true, reply: [42] });
    });

    it("server pushes to the client reach handlers registered with once()", async () => {
      // sanity check of the harness's bounded once(): a self:true emit to the own id
      const a = await connect();
      const p = once(a, "ping-self", 5000, "emit to own id");
      await broadcast(a, { to: [a.id], event: "ping-self", self: true, args: ["pong"] });
      assert.deepEqual(await p, ["pong"]);
    });
  });
}
