// Per-connection delivery order across a three-node cluster (A, B, C on loopback): a publisher
// on A keeps a window of acked emits in flight over rotating rooms and unions; receivers on
// A, B and C, each in several of the rooms, must each get the events they are owed, once
// each, in the order the publisher produced them. WebSocket clients.

import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import {
  expectSequences, owed, publishWindowed, recordAll, rotatingTargets,
} from "../interop/lib/order.mjs";
import { CLUSTER_QUIET_MS, makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

/** Events published, and how many are in flight at once. */
const EVENTS = 600;
const WINDOW = 32;
/** Bound on the last owed event reaching a receiver after the publisher's last ack. */
const ARRIVAL_TIMEOUT_MS = 15_000;

describe("per-socket delivery order across a cluster (3 nodes)",
  { skip: IS_REFERENCE && "atrium's cluster" }, () => {
    let nodes;
    before(async () => {
      nodes = await makeCluster(3);
      await startAll(nodes);
      await waitMesh(nodes);
    });
    afterEach(() => Promise.all(nodes.map((n) => n.closeClients())));
    after(() => nodes && stopAll(nodes));

    it(`${EVENTS} acked emits from A, ${WINDOW} in flight, to rotating rooms and unions: every ` +
       "receiver on A, B and C gets its own, once each, in the order published", async () => {
      const rooms = [unique("a"), unique("b"), unique("c")];
      const [a, b, c] = rooms;
      const targets = rotatingTargets(rooms);
      const targetOf = (i) => targets[i % targets.length];
      const memberships = { "a+b": [a, b], "b+c": [b, c], "a+c": [a, c], "a+b+c": [a, b, c] };
      const receivers = [];
      for (const node of nodes) {
        for (const [name, mine] of Object.entries(memberships)) {
          const s = await node.connect();
          await join(s, mine);
          receivers.push({ rec: recordAll(s, `receiver in ${name} on ${node.name}`),
                           want: owed(EVENTS, targetOf, mine) });
        }
      }
      const publisher = await nodes[0].connect();
      await publishWindowed(publisher, EVENTS,
        (i) => ({ to: targetOf(i), except: [], event: "ord", args: [i], self: false }),
        { window: WINDOW });
      await expectSequences(receivers, { timeoutMs: ARRIVAL_TIMEOUT_MS, quietMs: CLUSTER_QUIET_MS });
    });
  });
