// Connection state recovery in a cluster of two (issue 17). A client whose transport is cut
// while senders on A and on B publish to its room comes back, to its own node or to the other
// one, with its id and rooms, and gets the gap in each origin's order (the order it would have
// seen live), once, with the live events after it. A node that does not answer in time gives a
// fresh session instead of a hang. A node stopped with SIGTERM hands its sessions to the other,
// so its clients recover there, or on it once it is back.
//
// The client's reconnection is driven by the test (reconnection: false, then connect(), to
// another node by changing its manager's uri): the same Socket keeps its pid and last offset,
// as it does when it reconnects by itself through a load balancer.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { emitWithAck, once, record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import { scrape, scrapeUntil } from "../interop/lib/metrics.mjs";
import { broadcast, makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

const SESSIONS = "atrium_recovery_sessions";
const UNREACHABLE = 'atrium_recoveries_total{result="unreachable"}';

/** Cuts the transport under `s` (as a network failure would) and waits for its disconnect. */
async function cut(s) {
  const gone = once(s, "disconnect", 5000, "the cut");
  s.io.engine.close();
  await gone;
}

/** Until `node` keeps `n` sessions of clients that may come back. */
const sessionsKept = (node, n, what) =>
  scrapeUntil(node.url, (m) => m.get(SESSIONS) === n, what);

const sessionsNow = async (node) => (await scrape(node.url)).samples.get(SESSIONS);

/** Reconnects `s` to `node` (its manager opens the next transport there). */
async function reconnectTo(s, node, what) {
  s.io.uri = node.url;
  s.connect();
  await once(s, "connect", 10_000, what);
}

/** Publishes each of `values` to `room` from `sender`, acknowledged one by one. */
async function publish(sender, room, values, local) {
  for (const v of values) await broadcast(sender, { to: [room], event: "seq", args: [v], local });
}

/**
 * A receiver of `node` in a fresh room that got "a0" from a sender there, then cut; resolves
 * once `node` keeps its session: { room, receiver, fromA, got, id }.
 */
async function cutAfterOne(node) {
  const room = unique();
  const receiver = await node.connect();
  const fromA = await node.connect();
  await join(receiver, room);
  const got = record(receiver, "seq");
  await publish(fromA, room, ["a0"]);
  await got.count(1);
  const id = receiver.id;
  const kept = await sessionsNow(node);
  await cut(receiver);
  await sessionsKept(node, kept + 1, `${node.name} keeps the session`);
  return { room, receiver, fromA, got, id };
}

/** The values of `got` by origin (their first letter), and the whole list for messages. */
function byOrigin(got) {
  const values = got.items.map(([v]) => v);
  const of = (letter) => values.filter((v) => v.startsWith(letter));
  return { values, a: of("a"), b: of("b"), text: values.join() };
}

describe("connection state recovery in a cluster (2 nodes)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  before(async () => {
    nodes = await makeCluster(2, {
      extraArgs: ["--recovery-window", "60000", "--recovery-cluster-timeout", "1000", "--metrics"],
    });
    [A, B] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
  });
  afterEach(() => Promise.all(nodes.map((n) => n.closeClients())));
  after(() => nodes && stopAll(nodes));

  it("a client of A comes back to B with its id and rooms and what it missed on both, once", async () => {
    const room = unique();
    const receiver = await A.connect();
    const fromA = await A.connect();
    const fromB = await B.connect();
    await join(receiver, room);
    const got = record(receiver, "seq");
    await publish(fromA, room, ["a0"]);
    await publish(fromB, room, ["b0"]); // its last offset before the cut is B's
    await got.count(2);
    const id = receiver.id;
    const kept = await sessionsNow(A);
    await cut(receiver);
    await sessionsKept(A, kept + 1, "A keeps the session");
    await publish(fromA, room, ["a1"]);
    await publish(fromA, room, ["a2-local"], true); // only A has it
    await publish(fromB, room, ["b1"]);
    await publish(fromA, room, ["a3"]);
    await reconnectTo(receiver, B, "the reconnect to B");
    assert.equal(receiver.recovered, true);
    assert.equal(receiver.id, id);
    assert.deepEqual(await emitWithAck(receiver, "session"), { id, recovered: true });
    await sessionsKept(A, kept, "A gave the session up");
    // Its room came along: B's and A's broadcasts reach it live on B.
    await publish(fromB, room, ["b2"]);
    await publish(fromA, room, ["a4"]);
    await got.exactly(8);
    const { a, b, text } = byOrigin(got);
    assert.deepEqual(a, ["a0", "a1", "a2-local", "a3", "a4"], text);
    assert.deepEqual(b, ["b0", "b1", "b2"], text);
  });

  it("a client of B recovers the gap published from A and from B, in each origin's order, once", async () => {
    const room = unique();
    const receiver = await B.connect();
    const fromA = await A.connect();
    const fromB = await B.connect();
    await join(receiver, room);
    const got = record(receiver, "seq");
    const publish = async (sender, values) => {
      for (const v of values) await broadcast(sender, { to: [room], event: "seq", args: [v] });
    };
    // Its last event before the cut comes from A: the offset it comes back with is A's.
    await publish(fromB, ["b0"]);
    await publish(fromA, ["a0"]);
    await got.count(2);
    const id = receiver.id;
    const kept = (await scrape(B.url)).samples.get(SESSIONS);
    const gone = once(receiver, "disconnect", 5000, "the cut");
    receiver.io.engine.close();
    await gone;
    await scrapeUntil(B.url, (m) => m.get(SESSIONS) === kept + 1, "B keeps the session");
    await publish(fromA, ["a1"]);
    await publish(fromB, ["b1"]);
    await publish(fromA, ["a2"]);
    receiver.connect();
    await once(receiver, "connect", 5000, "the reconnect to B");
    assert.equal(receiver.recovered, true);
    assert.equal(receiver.id, id);
    await publish(fromB, ["b2"]);
    await got.exactly(6);
    // A's broadcasts reach B's supervisor later than A's ack says they were sent, so how A's and
    // B's interleave is B's own; what holds is each origin's order, and every event once.
    const values = got.items.map(([v]) => v);
    assert.deepEqual(values.slice(0, 2), ["b0", "a0"], "before the cut");
    assert.deepEqual(values.filter((v) => v.startsWith("a")), ["a0", "a1", "a2"], values.join());
    assert.deepEqual(values.filter((v) => v.startsWith("b")), ["b0", "b1", "b2"], values.join());
  });

  it("a node that does not answer gives a fresh session within the cluster timeout", async (t) => {
    const { receiver, id } = await cutAfterOne(A);
    const before = (await scrape(B.url)).samples.get(UNREACHABLE);
    await A.freeze();
    try {
      const started = Date.now();
      await reconnectTo(receiver, B, "the reconnect to B while A is frozen");
      t.diagnostic(`connected to B ${Date.now() - started} ms after asking (A frozen)`);
      assert.equal(receiver.recovered, false);
      assert.notEqual(receiver.id, id);
      assert.equal((await scrape(B.url)).samples.get(UNREACHABLE), before + 1);
    } finally {
      A.thaw();
    }
  });
});

describe("connection state recovery across a SIGTERM restart (2 nodes)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  const strays = [];
  before(async () => {
    nodes = await makeCluster(2, { extraArgs: ["--recovery-window", "60000", "--metrics"] });
    [A, B] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
  });
  afterEach(async () => {
    for (const s of strays.splice(0)) s.disconnect();
    if (!A.server) await A.start();
    await waitMesh(nodes);
    await Promise.all(nodes.map((n) => n.closeClients()));
  });
  after(() => nodes && stopAll(nodes));

  // The receiver on A, cut; meanwhile A publishes to its room (once A alone has), A is stopped
  // with SIGTERM, and B publishes: { receiver, fromB, got, id, room }.
  async function stoppedWhileAway() {
    const fromB = await B.connect();
    const { room, receiver, fromA, got, id } = await cutAfterOne(A);
    strays.push(receiver); // A's Clients go with A
    await publish(fromA, room, ["a1"]);
    await publish(fromA, room, ["a2-local"], true);
    const adopted = await sessionsNow(B);
    const output = await A.terminate();
    assert.match(output, /recovery sessions handed to a peer/, output);
    // A's every client left as it stopped (its own connections too): B adopts their sessions.
    await scrapeUntil(B.url, (m) => m.get(SESSIONS) > adopted, "B adopted A's sessions");
    await publish(fromB, room, ["b1"]);
    return { receiver, fromB, got, id, room };
  }

  async function recovered({ receiver, fromB, got, id, room }, node) {
    await reconnectTo(receiver, node, `the reconnect to ${node.name}`);
    assert.equal(receiver.recovered, true);
    assert.equal(receiver.id, id);
    await publish(fromB, room, ["b2"]);
    await got.exactly(5);
    const { a, b, text } = byOrigin(got);
    assert.deepEqual(a, ["a0", "a1", "a2-local"], text);
    assert.deepEqual(b, ["b1", "b2"], text);
  }

  it("its clients recover on the other node", async () => {
    const away = await stoppedWhileAway();
    await recovered(away, B);
  });

  it("its clients recover on it once it is back", async () => {
    const away = await stoppedWhileAway();
    await A.start();
    await waitMesh(nodes);
    await recovered(away, A);
  });
});
