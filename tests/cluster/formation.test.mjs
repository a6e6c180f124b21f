// How a mesh forms: nodes learn the others' addresses from their peers, so a chain of --peer
// flags still yields a full mesh, whatever the start order (a --peer that is not up yet is
// retried). Times to form the mesh are reported as diagnostics.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import {
  CLUSTER_QUIET_MS, broadcast, makeCluster, startAll, stopAll, waitMesh,
} from "./lib/cluster.mjs";

const skip = IS_REFERENCE && "atrium's cluster";

/** A room broadcast from every node reaches one member on each node, once per broadcast. */
async function everyNodeReachesEveryNode(nodes) {
  const r = unique();
  const members = [];
  for (const n of nodes) members.push(await n.connect());
  for (const m of members) await join(m, r);
  const recs = members.map((s, i) => record(s, "chain", `member on ${nodes[i].name}`));
  for (let i = 0; i < nodes.length; i++) {
    const sender = await nodes[i].connect();
    await broadcast(sender, { to: [r], event: "chain", args: [nodes[i].name], self: false });
    await Promise.all(recs.map((rec) => rec.exactly(i + 1, { quietMs: CLUSTER_QUIET_MS })));
  }
  const want = nodes.map((n) => [n.name]);
  for (const rec of recs) assert.deepEqual(rec.items, want);
}

describe("mesh formation", { skip }, () => {
  const started = [];
  after(() => Promise.all(started.map((nodes) => stopAll(nodes))));

  it("started in reverse order, C knowing only B and B only A, the nodes form a full mesh", async (t) => {
    // A: no --peer; B: --peer A; C: --peer B. Started C, then B, then A.
    const nodes = await makeCluster(3, { topology: (i, ports) => (i === 0 ? [] : [ports[i - 1]]) });
    started.push(nodes);
    const [A, B, C] = nodes;
    const t0 = Date.now();
    await startAll([C, B, A]);
    const up = Date.now() - t0;
    const meshMs = await waitMesh(nodes);
    t.diagnostic(`three nodes listening after ${up} ms; full mesh ${meshMs} ms later`);
    await everyNodeReachesEveryNode(nodes);
  });

  it("started in the usual order (B and C knowing only A), the nodes form a full mesh", async (t) => {
    const nodes = await makeCluster(3);
    started.push(nodes);
    const t0 = Date.now();
    await startAll(nodes);
    const up = Date.now() - t0;
    const meshMs = await waitMesh(nodes);
    t.diagnostic(`three nodes listening after ${up} ms; full mesh ${meshMs} ms later`);
    // B and C never named each other: they must be linked directly, not through A.
    assert.ok((await nodes[1].peersNow()).includes(nodes[2].addr), "B lists C");
    assert.ok((await nodes[2].peersNow()).includes(nodes[1].addr), "C lists B");
    await everyNodeReachesEveryNode(nodes);
  });
});
