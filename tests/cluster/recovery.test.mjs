// Connection state recovery in a cluster of two (issue 17, so far on the node the client comes
// back to): a client on B whose transport is cut while a sender on A and one on B publish to its
// room gets, back on B, the gap in B's order (the order it would have seen live: each origin's
// order), once, with the live events after it. Relayed packets carry their offsets into B's replay buffer: a client
// whose last event came from A comes back with an offset of A's.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { once, record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import { scrape, scrapeUntil } from "../interop/lib/metrics.mjs";
import { broadcast, makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

const SESSIONS = "atrium_recovery_sessions";

describe("connection state recovery in a cluster (2 nodes)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  before(async () => {
    nodes = await makeCluster(2, { extraArgs: ["--recovery-window", "60000", "--metrics"] });
    [A, B] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
  });
  afterEach(() => Promise.all(nodes.map((n) => n.closeClients())));
  after(() => nodes && stopAll(nodes));

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
});
