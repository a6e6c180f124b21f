// Cluster-wide operations: fetch the sockets of a selection, make a selection join or leave
// rooms, disconnect a selection, and list the rooms, over every node. A node that does not
// answer (frozen) never makes them hang: they return what arrived within their timeout.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { emitWithAck, once, record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import { CLUSTER_QUIET_MS, broadcast, makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

describe("cluster-wide operations", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  let C;
  let a;
  let b;
  let c;

  before(async () => {
    nodes = await makeCluster(3);
    [A, B, C] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
    a = await A.connect();
    b = await B.connect();
    c = await C.connect();
  });

  after(async () => {
    await stopAll(nodes);
  });

  const fetchSockets = (socket, spec) => emitWithAck(socket, "fetch-sockets", spec);

  it("fetches the sockets of a room from every node, with their node", async () => {
    const r = unique();
    await join(b, r);
    await join(c, r);
    const { sockets } = await fetchSockets(a, { to: [r], except: [] });
    assert.deepEqual(sockets.map((s) => s.id), [b.id, c.id].sort());
    for (const s of sockets) {
      assert.ok(s.rooms.includes(r) && s.rooms.includes(s.id), `rooms of ${s.id}`);
      assert.equal(s.node, s.id === b.id ? B.addr : C.addr);
    }
    const everyone = await fetchSockets(a, { to: [], except: [r] });
    assert.ok(everyone.sockets.some((s) => s.id === a.id), "the asker is in the namespace");
    assert.ok(!everyone.sockets.some((s) => s.id === b.id || s.id === c.id), "except applies");
  });

  it("a client cannot join the own-id room of a socket on another node", async () => {
    const reply = await emitWithAck(b, "join", a.id);
    assert.equal(reply && reply.ok, false, `joining ${a.id} from B: ${JSON.stringify(reply)}`);
    // a's private messages still reach a alone.
    const atA = record(a, "private message");
    const atB = record(b, "private message");
    c.emit("private message", a.id, "for a");
    c.emit("private message", b.id, "for b"); // reaches B after "for a" would have
    await atA.count(1);
    await atB.count(1);
    assert.deepEqual(atA.items[0], [c.id, "for a"]);
    assert.deepEqual(atB.items, [[c.id, "for b"]], "B's client got nothing of a's");
  });

  it("makes a selection join and leave rooms on every node", async () => {
    const tag = unique();
    const joined = unique("joined");
    await join(b, tag);
    await join(c, tag);
    assert.deepEqual(await emitWithAck(a, "sockets-join", { to: [tag], except: [], rooms: [joined] }),
                     { ok: true });
    // The join travels to each node ahead of this node's next broadcast.
    const atB = once(b, "news", 5000, "news to the joined room on B");
    const atC = once(c, "news", 5000, "news to the joined room on C");
    await broadcast(a, { to: [joined], event: "news", args: ["joined"], self: true });
    assert.deepEqual(await atB, ["joined"]);
    assert.deepEqual(await atC, ["joined"]);
    // The sockets know their new room too.
    assert.ok((await emitWithAck(c, "rooms")).includes(joined));

    assert.deepEqual(await emitWithAck(a, "sockets-leave", { to: [tag], except: [], rooms: [joined] }),
                     { ok: true });
    const late = record(c, "late");
    await broadcast(a, { to: [joined], event: "late", args: [], self: true });
    await new Promise((r) => setTimeout(r, CLUSTER_QUIET_MS));
    assert.equal(late.items.length, 0, "left rooms get nothing");
    assert.ok(!(await emitWithAck(c, "rooms")).includes(joined));
  });

  it("lists the rooms of every node", async () => {
    const rb = unique("on-b");
    const rc = unique("on-c");
    await join(b, rb);
    await join(c, rc);
    const { rooms } = await emitWithAck(a, "all-rooms", {});
    assert.ok(rooms.includes(rb) && rooms.includes(rc), JSON.stringify(rooms));
  });

  it("disconnects a selection on another node", async () => {
    const doomed = unique("doomed");
    const d = await C.connect();
    await join(d, doomed);
    const gone = once(d, "disconnect", 5000, "server-side disconnect on C");
    assert.deepEqual(await emitWithAck(a, "disconnect-sockets", { to: [doomed], except: [] }), { ok: true });
    assert.equal((await gone)[0], "io server disconnect");
    assert.ok(c.connected, "others on C stay");
  });

  it("emits to a selection on every node and gathers each client's ack", async () => {
    const r = unique();
    await join(b, r);
    await join(c, r);
    const answer = (socket) => (x, cb) => cb({ id: socket.id, got: x });
    b.once("question", answer(b));
    c.once("question", answer(c));
    const { timedOut, responses } = await emitWithAck(a, "emit-with-ack",
      { to: [r], event: "question", args: [7], timeout: 5000 });
    assert.equal(timedOut, false);
    assert.deepEqual(responses.map((x) => x.id).sort(), [b.id, c.id].sort());
    assert.ok(responses.every((x) => x.got === 7));
  });

  it("reports a timeout with the acks that came when a client stays silent", async () => {
    const r = unique();
    const silent = await C.connect();
    await join(b, r);
    await join(silent, r);
    b.once("question", (x, cb) => cb(b.id));
    const heard = once(silent, "question", 5000, "the silent client gets the question");
    const { timedOut, responses } = await emitWithAck(a, "emit-with-ack",
      { to: [r], event: "question", args: [0], timeout: 500 });
    await heard;
    assert.equal(timedOut, true);
    assert.deepEqual(responses, [b.id]);
    silent.disconnect();
  });

  it("server-side emit reaches every other node's handler and gathers their answers", async () => {
    const { timedOut, responses } = await emitWithAck(a, "server-side-emit",
      { event: "ping", args: ["hello"], timeout: 5000 });
    assert.equal(timedOut, false);
    assert.deepEqual(responses.map((x) => x.node).sort(), [B.addr, C.addr].sort());
    assert.ok(responses.every((x) => x.args[0] === "hello"), JSON.stringify(responses));
  });

  it("returns within its timeout when a node is frozen", async (t) => {
    const r = unique();
    await join(b, r);
    await join(c, r);
    await C.freeze();
    try {
      const started = Date.now();
      const { sockets } = await emitWithAck(a, "fetch-sockets", { to: [r], except: [], timeout: 1000 });
      const took = Date.now() - started;
      // B answers; C cannot. What arrived comes back instead of a hang.
      assert.deepEqual(sockets.map((s) => s.id), [b.id]);
      t.diagnostic(`fetch with a frozen node returned after ${took} ms (timeout 1000 ms)`);

      b.once("question", (x, cb) => cb(b.id));
      const acks = await emitWithAck(a, "emit-with-ack",
        { to: [r], event: "question", args: [0], timeout: 1000 });
      assert.deepEqual(acks, { timedOut: true, responses: [b.id] });

      const pings = await emitWithAck(a, "server-side-emit", { event: "ping", args: [], timeout: 1000 });
      assert.equal(pings.timedOut, true);
      assert.deepEqual(pings.responses.map((x) => x.node), [B.addr]);
    } finally {
      C.thaw();
    }
  });
});
