// Broadcasts across a three-node cluster (A, B, C on loopback; B and C given A as --peer), with
// the official socket.io-client connected to different nodes: rooms are per node, a broadcast
// reaches the matching sockets of every node exactly once, exclusions and unions hold across
// nodes, `local: true` stays on its node, order and join/ack causality hold across nodes, and
// namespaces stay isolated. WebSocket clients, plus one check with polling clients.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { emitWithAck, record, unique } from "../interop/lib/client.mjs";
import { adapterOf, join, leave } from "../interop/lib/app.mjs";
import {
  CLUSTER_QUIET_MS, broadcast, makeCluster, startAll, stopAll, waitMesh,
} from "./lib/cluster.mjs";

const quietMs = CLUSTER_QUIET_MS;
/** Each recorder gets exactly one delivery, equal to `args`. */
async function eachOnce(recs, args) {
  await Promise.all(recs.map((r) => r.exactly(1, { quietMs })));
  for (const r of recs) assert.deepEqual(r.items, [args]);
}
/** None of the recorders got anything (call after a positive wait has passed a quiet period). */
function none(recs, what) {
  for (const r of recs) assert.deepEqual(r.items, [], what);
}

describe("cluster broadcasts (3 nodes)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  let C;
  let meshMs;
  before(async () => {
    nodes = await makeCluster(3, { namespaces: ["/chat"] });
    [A, B, C] = nodes;
    await startAll(nodes);
    meshMs = await waitMesh(nodes);
  });
  afterEach(() => Promise.all(nodes.map((n) => n.closeClients())));
  after(() => nodes && stopAll(nodes));

  it("the three nodes form a full mesh: each lists the other two", async (t) => {
    t.diagnostic(`full mesh seen ${meshMs} ms after the third node printed its listening line`);
    for (const n of nodes) {
      assert.deepEqual(await n.peersNow(), nodes.filter((o) => o !== n).map((o) => o.addr).sort(),
        `cluster peers of ${n.name}`);
    }
  });

  for (const from of [0, 1, 2]) {
    it(`a room broadcast from node ${"ABC"[from]} reaches the members on A, B and C once each`, async () => {
      const r = unique();
      const members = [await A.connect(), await B.connect(), await C.connect()];
      const others = [await A.connect(), await B.connect(), await C.connect()];
      const sender = await nodes[from].connect();
      for (const m of members) await join(m, r);
      const recM = members.map((s, i) => record(s, "news", `member on ${"ABC"[i]}`));
      const recO = [...others, sender].map((s) => record(s, "news"));
      const args = ["hello", { n: 1, deep: [true, null, 2.5] }];
      await broadcast(sender, { to: [r], event: "news", args, self: true });
      await eachOnce(recM, args);
      none(recO, "a socket in no target room got the room broadcast");
    });
  }

  it("socket.to (self:false) leaves the sender out but reaches members on the other nodes", async () => {
    const r = unique();
    const sender = await A.connect();
    const [a, b, c] = [await A.connect(), await B.connect(), await C.connect()];
    for (const s of [sender, a, b, c]) await join(s, r);
    const recs = [a, b, c].map((s, i) => record(s, "to-news", `member on ${"ABC"[i]}`));
    const recSender = record(sender, "to-news", "sender");
    await broadcast(sender, { to: [r], event: "to-news", args: [7], self: false });
    await eachOnce(recs, [7]);
    none([recSender], "the sender (a member, self:false) got its own broadcast");
  });

  it("except across nodes: members of the excepted room on B and C are left out", async () => {
    const [r, muted] = [unique(), unique("muted")];
    const sender = await A.connect();
    const a = await A.connect();
    const [b1, b2] = [await B.connect(), await B.connect()];
    const [c1, c2] = [await C.connect(), await C.connect()];
    for (const s of [a, b1, b2, c1, c2]) await join(s, r);
    await join(c1, muted);
    await join(b2, [muted, unique()]);
    const mutedOnly = await C.connect();
    await join(mutedOnly, muted);
    const recIn = [a, b1, c2].map((s) => record(s, "exc"));
    const recOut = [b2, c1, mutedOnly].map((s) => record(s, "exc"));
    await broadcast(sender, { to: [r], except: [muted], event: "exc", args: ["x"], self: true });
    await eachOnce(recIn, ["x"]);
    none(recOut, "a member of the excepted room (on another node) got the broadcast");
  });

  it("except with an empty `to`: the whole namespace minus the excepted room, on every node", async () => {
    const muted = unique("muted");
    const sender = await B.connect();
    const plain = [await A.connect(), await B.connect(), await C.connect()];
    const mutedSockets = [await A.connect(), await C.connect()];
    for (const s of mutedSockets) await join(s, muted);
    const recIn = [...plain, sender].map((s) => record(s, "exc-all"));
    const recOut = mutedSockets.map((s) => record(s, "exc-all"));
    await broadcast(sender, { to: [], except: [muted], event: "exc-all", args: [1], self: true });
    await eachOnce(recIn, [1]);
    none(recOut, "a member of the excepted room got the namespace-wide broadcast");
  });

  for (const self of [true, false]) {
    it(`a union of rooms reaches a socket on a remote node once (self:${self})`, async () => {
      const [r1, r2, r3] = [unique(), unique(), unique()];
      const sender = await A.connect();
      const x = await C.connect(); // in all three rooms
      const y = await C.connect(); // in one
      const z = await C.connect(); // in none
      const w = await B.connect(); // in two, on the third node
      await join(x, [r1, r2, r3]);
      await join(y, r2);
      await join(w, [r1, r3]);
      const recs = [x, y, w].map((s) => record(s, "union"));
      const recZ = record(z, "union");
      await broadcast(sender, { to: [r1, r2, r3], event: "union", args: ["u"], self });
      await eachOnce(recs, ["u"]);
      none([recZ], "a socket in none of the rooms got the union broadcast");
    });
  }

  for (const self of [true, false]) {
    it(`an empty \`to\` reaches the whole namespace on every node (self:${self})`, async () => {
      const event = unique("all");
      const sender = await C.connect();
      const everyone = [await A.connect(), await A.connect(), await B.connect(), await C.connect()];
      const chat = [await A.connect("websocket", { nsp: "/chat" }),
                    await B.connect("websocket", { nsp: "/chat" })];
      const recs = everyone.map((s) => record(s, event));
      const recSender = record(sender, event, "sender");
      const recChat = chat.map((s) => record(s, event, "/chat client"));
      await broadcast(sender, { to: [], event, args: ["everyone"], self });
      await eachOnce(self ? [...recs, recSender] : recs, ["everyone"]);
      if (!self) none([recSender], "socket.broadcast reached the sender");
      none(recChat, "a broadcast to / reached a /chat socket");
    });
  }

  it("a private message reaches a socket on another node, with the sender id", async () => {
    const a = await A.connect();
    const b = await B.connect();
    const c = await C.connect();
    const [ra, rb, rc] = [a, b, c].map((s) => record(s, "private message"));
    a.emit("private message", c.id, { text: "hi c" });
    await rc.exactly(1, { quietMs });
    assert.deepEqual(rc.items, [[a.id, { text: "hi c" }]]);
    c.emit("private message", b.id, "hi b");
    await rb.exactly(1, { quietMs });
    assert.deepEqual(rb.items, [[c.id, "hi b"]]);
    none([ra], "the sender got a private message");
  });

  it("local: true keeps the broadcast on the node it was issued on", async () => {
    const r = unique();
    const sender = await A.connect();
    const [a1, a2] = [await A.connect(), await A.connect()];
    const [b, c] = [await B.connect(), await C.connect()];
    for (const s of [sender, a1, a2, b, c]) await join(s, r);
    const recA = [a1, a2].map((s) => record(s, "loc"));
    const recSender = record(sender, "loc", "sender");
    const recRemote = [b, c].map((s) => record(s, "loc", "member on another node"));

    await broadcast(sender, { to: [r], event: "loc", args: [1], self: true, local: true });
    await eachOnce([...recA, recSender], [1]);
    none(recRemote, "local:true (self:true) crossed to another node");

    await broadcast(sender, { to: [r], event: "loc", args: [2], self: false, local: true });
    await Promise.all(recA.map((rec) => rec.exactly(2, { quietMs })));
    for (const rec of recA) assert.deepEqual(rec.items, [[1], [2]]);
    assert.deepEqual(recSender.items, [[1]], "self:false local:true reached the sender");
    none(recRemote, "local:true (self:false) crossed to another node");

    await broadcast(sender, { to: [], event: "loc", args: [3], self: false, local: true });
    await Promise.all(recA.map((rec) => rec.exactly(3, { quietMs })));
    none(recRemote, "local:true with an empty `to` crossed to another node");

    // local:false explicitly is an ordinary, cluster-wide broadcast.
    await broadcast(sender, { to: [r], event: "loc", args: [4], self: false, local: false });
    await Promise.all(recRemote.map((rec) => rec.exactly(1, { quietMs })));
    for (const rec of recRemote) assert.deepEqual(rec.items, [[4]]);
  });

  it("200 emits from one client arrive at clients on the other nodes, all and in order", async (t) => {
    const r = unique();
    const sender = await A.connect();
    const b = await B.connect();
    const c = await C.connect();
    await join(b, r);
    await join(c, r);
    const recs = [record(b, "seq", "member on B"), record(c, "seq", "member on C")];
    const N = 200;
    const started = Date.now();
    const acks = [];
    for (let i = 0; i < N; i++) {
      acks.push(emitWithAck(sender, "emit", { to: [r], except: [], event: "seq", args: [i], self: false }));
    }
    const replies = await Promise.all(acks);
    for (const reply of replies) assert.deepEqual(reply, { ok: true });
    await Promise.all(recs.map((rec) => rec.count(N, 15_000)));
    t.diagnostic(`${N} emits seen on B and C ${Date.now() - started} ms after the first was sent`);
    await Promise.all(recs.map((rec) => rec.exactly(N, { quietMs })));
    const want = Array.from({ length: N }, (_, i) => [i]);
    assert.deepEqual(recs[0].items, want, "order on node B");
    assert.deepEqual(recs[1].items, want, "order on node C");
  });

  it("namespaces stay isolated across nodes: room x of / and room x of /chat", async () => {
    const x = unique("x");
    const rootMembers = [await A.connect(), await B.connect(), await C.connect()];
    const chatMembers = [await A.connect("websocket", { nsp: "/chat" }),
                         await B.connect("websocket", { nsp: "/chat" }),
                         await C.connect("websocket", { nsp: "/chat" })];
    for (const s of [...rootMembers, ...chatMembers]) await join(s, x);
    const chatSender = await A.connect("websocket", { nsp: "/chat" });
    const rootSender = await C.connect();
    const recRoot = rootMembers.map((s) => record(s, "iso", "/ member"));
    const recChat = chatMembers.map((s) => record(s, "iso", "/chat member"));

    await broadcast(chatSender, { to: [x], event: "iso", args: ["chat"], self: true });
    await eachOnce(recChat, ["chat"]);
    none(recRoot, "a /chat broadcast reached a / socket");

    await broadcast(rootSender, { to: [x], event: "iso", args: ["root"], self: true });
    await eachOnce(recRoot, ["root"]);
    for (const rec of recChat) assert.deepEqual(rec.items, [["chat"]], "a / broadcast reached a /chat socket");

    // The whole /chat namespace, from node B: only /chat sockets, on every node.
    const all = [...recRoot.map((r) => r.items.length)];
    await broadcast(chatMembers[1], { to: [], event: "iso", args: ["chat-all"], self: true });
    await Promise.all(recChat.map((rec) => rec.exactly(2, { quietMs })));
    assert.deepEqual(recRoot.map((r) => r.items.length), all, "a /chat namespace-wide broadcast reached /");
  });

  it("a join acknowledged on node A takes effect for the next broadcast issued from node B", async () => {
    const sender = await B.connect();
    const a = await A.connect();
    const c = await C.connect();
    for (let i = 0; i < 25; i++) {
      const r = unique();
      const rec = record(a, `joined-${i}`, `iteration ${i}`);
      await join(a, r);
      await broadcast(sender, { to: [r], event: `joined-${i}`, args: [i], self: true });
      await rec.count(1, 5_000);
      assert.deepEqual(rec.items, [[i]], `iteration ${i}`);
      rec.off();
    }
    // The same for a leave: acknowledged on A before B broadcasts, it must hold for it.
    for (let i = 0; i < 10; i++) {
      const r = unique();
      await join(a, r);
      await join(c, r);
      await leave(a, r);
      const recA = record(a, `left-${i}`);
      const recC = record(c, `left-${i}`);
      await broadcast(sender, { to: [r], event: `left-${i}`, args: [i], self: true });
      await recC.count(1, 5_000);
      assert.deepEqual(recA.items, [], `iteration ${i}: a socket whose leave was acked on A got the broadcast from B`);
      recA.off();
      recC.off();
    }
  });

  it("adapter stays per node: a room's members on other nodes are not listed", async () => {
    const r = unique();
    const a = await A.connect();
    const b = await B.connect();
    await join(a, r);
    await join(b, r);
    const onA = await adapterOf(a);
    const onB = await adapterOf(b);
    assert.deepEqual(onA.rooms[r], [a.id], "node A's adapter lists A's member only");
    assert.deepEqual(onB.rooms[r], [b.id], "node B's adapter lists B's member only");
    assert.equal(onA.sids[b.id], undefined, "node A's adapter lists a socket of node B");
    assert.equal(onB.sids[a.id], undefined, "node B's adapter lists a socket of node A");
  });

  it("polling clients on B and C: they receive from A and broadcast to the other nodes", async () => {
    const r = unique();
    const wsA = await A.connect("websocket");
    const pollB = await B.connect("polling");
    const pollC = await C.connect("polling");
    for (const s of [wsA, pollB, pollC]) await join(s, r);
    const recs = [wsA, pollB, pollC].map((s) => record(s, "poll"));

    await broadcast(wsA, { to: [r], event: "poll", args: ["from A"], self: false });
    await eachOnce(recs.slice(1), ["from A"]);
    assert.deepEqual(recs[0].items, [], "self:false sender on A");

    await broadcast(pollC, { to: [r], event: "poll", args: ["from C"], self: false });
    await Promise.all([recs[0].exactly(1, { quietMs }), recs[1].exactly(2, { quietMs })]);
    assert.deepEqual(recs[0].items, [["from C"]]);
    assert.deepEqual(recs[1].items, [["from A"], ["from C"]]);
    assert.deepEqual(recs[2].items, [["from A"]], "self:false sender on C");
  });
});
