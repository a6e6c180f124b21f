// A node that hangs without closing its connections (SIGSTOP): its TCP links stay open, so only
// the cluster's heartbeats can tell it is gone. The other nodes must drop it within a bounded
// wait and keep broadcasting to each other without stalling; once it runs again (SIGCONT) the
// mesh is whole again by itself and broadcasts reach its clients, which stayed connected.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import {
  CLUSTER_QUIET_MS, NOTICE_TIMEOUT_MS, POLL_MS, REJOIN_TIMEOUT_MS, broadcast, makeCluster,
  startAll, stopAll, waitMesh,
} from "./lib/cluster.mjs";

const quietMs = CLUSTER_QUIET_MS;

describe("a frozen node (SIGSTOP, connections left open)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  let C;
  let r;
  let a;
  let b;
  let c;
  let frozenAt;
  let noticed;

  before(async () => {
    nodes = await makeCluster(3);
    [A, B, C] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
    r = unique();
    a = await A.connect();
    b = await B.connect();
    c = await C.connect();
    for (const s of [a, b, c]) await join(s, r);
  });
  after(() => nodes && stopAll(nodes));

  it("while C is frozen, broadcasts between A and B keep arriving", async (t) => {
    frozenAt = Date.now();
    await C.freeze();
    noticed = [A, B].map((n) => {
      const other = n === A ? B : A;
      return n.waitPeers([other.addr], NOTICE_TIMEOUT_MS, "C was SIGSTOPped")
        .then(() => ({ name: n.name, ms: Date.now() - frozenAt }), (error) => ({ name: n.name, error }));
    });
    const recA = record(a, "frozen", "member on A");
    const recB = record(b, "frozen", "member on B");
    let slowest = 0;
    // Spread over a few seconds, so that some are sent before and some after C is dropped.
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const [from, to] = i % 2 ? [b, recA] : [a, recB];
      await broadcast(from, { to: [r], event: "frozen", args: [i], self: false });
      await to.count(Math.floor(i / 2) + 1, 5_000);
      slowest = Math.max(slowest, Date.now() - started);
      await new Promise((res) => setTimeout(res, 200));
    }
    await Promise.all([recA.exactly(10, { quietMs }), recB.exactly(10, { quietMs })]);
    t.diagnostic(`slowest A↔B delivery while C was frozen: ${slowest} ms`);
  });

  it("A and B drop the frozen C from their peers within a bounded wait", async (t) => {
    assert.ok(noticed, "the freeze step ran");
    for (const result of await Promise.all(noticed)) {
      if (result.error) throw result.error;
      t.diagnostic(`${result.name} dropped the frozen C ≤ ${result.ms} ms after SIGSTOP ` +
                   `(cluster polled every ${POLL_MS} ms)`);
    }
  });

  it("after SIGCONT the mesh is whole again and C's clients get broadcasts again", async (t) => {
    const thawedAt = Date.now();
    C.thaw();
    const meshMs = await waitMesh(nodes, REJOIN_TIMEOUT_MS, "C got SIGCONT");
    t.diagnostic(`full mesh again ${meshMs} ms after SIGCONT`);
    assert.ok(c.connected, "C's client stayed connected through the freeze");
    // Whatever C missed while frozen is not judged here; what is sent now must arrive once.
    const recs = [record(b, "thawed", "member on B"), record(c, "thawed", "member on C")];
    await broadcast(a, { to: [r], event: "thawed", args: ["again"], self: false });
    await Promise.all(recs.map((rec) => rec.exactly(1, { quietMs })));
    const recA = record(a, "thawed-back", "member on A");
    await broadcast(c, { to: [r], event: "thawed-back", args: ["from C"], self: false });
    await recA.exactly(1, { quietMs });
    t.diagnostic(`round trip after SIGCONT done ${Date.now() - thawedAt} ms after it`);
  });
});
