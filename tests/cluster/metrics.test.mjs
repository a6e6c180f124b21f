// The cluster's metrics on two real nodes: peers up on each, and the messages between them
// counted on both sides, one per peer for each broadcast that crosses, none for a local one.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { once, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import { assertPromtoolClean, deltas, scrape, scrapeUntil, value } from "../interop/lib/metrics.mjs";
import { NOTICE_TIMEOUT_MS, broadcast, makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

const PEERS = "atrium_cluster_peers";
const SENT = "atrium_cluster_messages_sent_total";
const RECEIVED = "atrium_cluster_messages_received_total";

describe("cluster metrics (2 nodes)", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let A;
  let B;
  before(async () => {
    nodes = await makeCluster(2, { extraArgs: ["--metrics"] });
    [A, B] = nodes;
    await startAll(nodes);
    await waitMesh(nodes);
  });
  afterEach(() => Promise.all(nodes.map((n) => n.closeClients())));
  after(() => nodes && stopAll(nodes));

  it("each node has one peer up", async () => {
    for (const n of nodes) {
      const { text, samples } = await scrape(n.url);
      assert.equal(value(samples, PEERS), 1, `peers of ${n.name}`);
      await assertPromtoolClean(text, `node ${n.name}`);
    }
  });

  it("a broadcast crosses as one message each way it goes; a local one does not", async () => {
    const room = unique();
    const onA = await A.connect();
    const onB = await B.connect();
    await join(onA, room);
    await join(onB, room);
    const keys = [SENT, RECEIVED];
    const a0 = await scrape(A.url);
    const b0 = await scrape(B.url);

    const news = unique("news");
    let heard = once(onB, news);
    await broadcast(onA, { to: [room], event: news, args: [1], self: true });
    await heard; // B's node has received it, and counted it before its socket saw it
    heard = once(onA, news);
    await broadcast(onB, { to: [room], event: news, args: [2], self: true });
    await heard;
    const local = once(onA, news);
    await broadcast(onA, { to: [room], event: news, args: [3], self: true, local: true });
    await local;

    const a1 = await scrape(A.url);
    const b1 = await scrape(B.url);
    assert.deepEqual(deltas(a0.samples, a1.samples, keys), { [SENT]: 1, [RECEIVED]: 1 }, "node A");
    assert.deepEqual(deltas(b0.samples, b1.samples, keys), { [SENT]: 1, [RECEIVED]: 1 }, "node B");
  });

  it("a peer that goes is no longer up", async () => {
    await B.kill();
    const seen = await scrapeUntil(A.url, (s) => value(s, PEERS) === 0, "A without its peer", NOTICE_TIMEOUT_MS);
    assert.equal(value(seen.samples, PEERS), 0);
  });
});
