// Node failure and recovery in a three-node cluster: after a SIGKILL the other nodes drop the
// dead node from their `cluster` peers within a bounded wait, broadcasts among the survivors
// keep arriving (no stall, neither before nor after the loss is noticed), and the node restarted
// on the same cluster port (any client port) rejoins by itself and gets broadcasts again.
// Two cases: a node that has a --peer of its own (C), and the seed that has none (A), which only
// comes back through the survivors' retries.
//
// The `it`s of one describe run in order and share the cluster; times to notice a kill and to
// rejoin are reported as diagnostics, never judged beyond the bounds in lib/cluster.mjs.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import {
  CLUSTER_QUIET_MS, NOTICE_TIMEOUT_MS, POLL_MS, REJOIN_TIMEOUT_MS, broadcast, makeCluster, startAll,
  stopAll, waitMesh,
} from "./lib/cluster.mjs";

const quietMs = CLUSTER_QUIET_MS;
const skip = IS_REFERENCE && "atrium's cluster";

/**
 * Sends `count` broadcasts from `sender` to room r, one at a time; each must reach every
 * recorder in `recs` (once) within `perBroadcastMs` before the next is sent. Resolves with the
 * slowest delivery time (ms).
 */
async function eachArrives(sender, r, event, recs, count, perBroadcastMs = 5_000) {
  let slowest = 0;
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    await broadcast(sender, { to: [r], event, args: [i], self: false });
    await Promise.all(recs.map((rec) => rec.count(i + 1, perBroadcastMs)));
    slowest = Math.max(slowest, Date.now() - started);
  }
  await Promise.all(recs.map((rec) => rec.exactly(count, { quietMs })));
  const want = Array.from({ length: count }, (_, i) => [i]);
  for (const rec of recs) assert.deepEqual(rec.items, want);
  return slowest;
}

for (const victimName of ["C", "A"]) {
  const title = victimName === "C"
    ? "kill and restart node C (started with --peer A)"
    : "kill and restart the seed node A (started without --peer)";
  describe(title, { skip }, () => {
    let nodes;
    let victim;
    let survivors;
    let killedAt;
    let noticed; // per survivor: when it dropped the victim from its peers
    let r;
    // one member of r per survivor, fixed for the whole describe
    let members;

    before(async () => {
      nodes = await makeCluster(3);
      await startAll(nodes);
      await waitMesh(nodes);
      victim = nodes.find((n) => n.name === victimName);
      survivors = nodes.filter((n) => n !== victim);
      r = unique();
    });
    after(() => nodes && stopAll(nodes));

    it("before the kill: a broadcast reaches the members on all three nodes", async () => {
      members = [];
      for (const n of survivors) members.push(await n.connect());
      const onVictim = await victim.connect();
      for (const s of [...members, onVictim]) await join(s, r);
      const sender = await survivors[0].connect();
      const recs = [...members, onVictim].map((s) => record(s, "pre"));
      await broadcast(sender, { to: [r], event: "pre", args: ["pre"], self: false });
      await Promise.all(recs.map((rec) => rec.exactly(1, { quietMs })));
    });

    it(`right after SIGKILL of ${victimName}, broadcasts between the two others do not stall`, async (t) => {
      killedAt = Date.now();
      await victim.kill();
      // Watch the survivors' peer lists from now on, while the broadcasts below run.
      noticed = survivors.map((n) => {
        const other = survivors.find((o) => o !== n);
        return n.waitPeers([other.addr], NOTICE_TIMEOUT_MS, `${victimName} was SIGKILLed`)
          .then(() => ({ name: n.name, ms: Date.now() - killedAt }), (error) => ({ name: n.name, error }));
      });
      const [s0, s1] = members;
      const rec1 = record(s1, "after-kill", `member on ${survivors[1].name}`);
      const rec0 = record(s0, "after-kill", `member on ${survivors[0].name}`);
      const slow01 = await eachArrives(s0, r, "after-kill", [rec1], 5);
      const slow10 = await eachArrives(s1, r, "after-kill", [rec0], 5);
      t.diagnostic(`slowest delivery just after the kill: ${survivors[0].name}→${survivors[1].name} ` +
                   `${slow01} ms, ${survivors[1].name}→${survivors[0].name} ${slow10} ms`);
      rec0.off();
      rec1.off();
    });

    it(`the others drop ${victimName} from their cluster peers within a bounded wait`, async (t) => {
      assert.ok(noticed, "the kill step ran");
      for (const result of await Promise.all(noticed)) {
        if (result.error) throw result.error;
        t.diagnostic(`${result.name} dropped ${victimName} ≤ ${result.ms} ms after the SIGKILL ` +
                     `(cluster polled every ${POLL_MS} ms)`);
      }
    });

    it("once the loss is noticed, broadcasts between the two others keep arriving", async (t) => {
      const [s0, s1] = members;
      const rec1 = record(s1, "noticed", `member on ${survivors[1].name}`);
      const rec0 = record(s0, "noticed", `member on ${survivors[0].name}`);
      const slow01 = await eachArrives(s0, r, "noticed", [rec1], 10);
      const slow10 = await eachArrives(s1, r, "noticed", [rec0], 10);
      t.diagnostic(`slowest delivery after the loss was noticed: ${slow01} ms / ${slow10} ms`);
      rec0.off();
      rec1.off();
    });

    it(`${victimName} restarted on the same cluster port rejoins by itself`, async (t) => {
      const startedAt = Date.now();
      await victim.start();
      const listening = Date.now() - startedAt;
      const meshMs = await waitMesh(nodes, REJOIN_TIMEOUT_MS, `${victimName} restarted`);
      t.diagnostic(`${victimName} restarted (listening after ${listening} ms); full mesh again ` +
                   `${meshMs} ms after that (${Date.now() - startedAt} ms from the restart)`);
    });

    it(`broadcasts reach ${victimName}'s new clients again, and its clients reach the others`, async () => {
      const fresh = await victim.connect();
      await join(fresh, r);
      const recFresh = record(fresh, "again", `new member on ${victimName}`);
      const recs = members.map((s, i) => record(s, "again", `member on ${survivors[i].name}`));
      const sender = await survivors[0].connect();
      await broadcast(sender, { to: [r], event: "again", args: ["to all"], self: false });
      await Promise.all([recFresh, ...recs].map((rec) => rec.exactly(1, { quietMs })));
      assert.deepEqual(recFresh.items, [["to all"]]);

      await broadcast(fresh, { to: [r], event: "again", args: ["from restarted"], self: false });
      await Promise.all(recs.map((rec) => rec.exactly(2, { quietMs })));
      for (const rec of recs) assert.deepEqual(rec.items, [["to all"], ["from restarted"]]);
      assert.deepEqual(recFresh.items, [["to all"]], "self:false sender on the restarted node");
    });
  });
}
