// The Admin UI's server side across two nodes: an admin socket on one node gets both nodes'
// server_stats, sees the other node's sockets (all_sockets, socket and room events), and its
// commands act on the other node's sockets. tests/interop/admin-ui.test.mjs covers one node.

import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { emitWithAck, once, record, unique } from "../interop/lib/client.mjs";
import { join } from "../interop/lib/app.mjs";
import { makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

const STATS_WAIT_MS = 15_000;

describe("admin UI across two nodes", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let admin;
  const seen = {};

  before(async () => {
    nodes = await makeCluster(2, { extraArgs: ["--admin-ui", "--admin-no-auth"] });
    await startAll(nodes);
    await waitMesh(nodes);
  });
  after(async () => {
    await stopAll(nodes);
  });

  const connectAdmin = async () => {
    admin = nodes[0].clients.open("websocket", { nsp: "/admin" });
    for (const event of ["all_sockets", "server_stats", "socket_connected", "room_joined", "socket_disconnected"]) {
      seen[event] = record(admin, event, `admin ${event}`);
    }
    await once(admin, "connect");
  };
  const first = async (rec, pred, what, timeoutMs) => {
    await rec.until((items) => items.some(pred), what, timeoutMs);
    return rec.items.find(pred);
  };

  it("sees the other node's sockets and stats, and commands them", async () => {
    const [A, B] = nodes;
    const room = unique();
    const b = await B.connect();
    await join(b, room);
    await connectAdmin();

    // all_sockets gathers both nodes' sockets.
    await seen.all_sockets.count(1);
    const listed = seen.all_sockets.items[0][0].find((s) => s.id === b.id);
    assert.ok(listed, `b (on B) in ${JSON.stringify(seen.all_sockets.items[0][0])}`);
    assert.deepEqual([...listed.rooms].sort(), [b.id, room].sort());

    // Each node reports itself.
    for (const node of [A, B]) {
      const id = `${hostname()}#${node.server.pid}`;
      const [stats] = await first(seen.server_stats, ([s]) => s.serverId === id, `stats of ${node.name}`, STATS_WAIT_MS);
      assert.equal(stats.pid, node.server.pid);
    }

    // Events of B's sockets reach the admin on A.
    const c = await B.connect();
    await first(seen.socket_connected, ([s]) => s.id === c.id, "c connected on B");
    const other = unique();
    await join(c, other);
    await first(seen.room_joined, ([nsp, r, id]) => nsp === "/" && r === other && id === c.id, "c joined on B");

    // Commands from A act on B's sockets.
    const news = record(b, "news", "b");
    assert.deepEqual(await emitWithAck(admin, "emit", "/", room, "news", "from A"), { ok: true });
    await news.count(1);
    assert.deepEqual(news.items, [["from A"]]);
    const third = unique();
    assert.deepEqual(await emitWithAck(admin, "join", "/", third, b.id), { ok: true });
    await first(seen.room_joined, ([, r, id]) => r === third && id === b.id, "b joined by the admin");
    const id = b.id;
    const gone = once(b, "disconnect");
    assert.deepEqual(await emitWithAck(admin, "_disconnect", "/", false, id), { ok: true });
    assert.equal((await gone)[0], "io server disconnect");
    await first(seen.socket_disconnected, ([, sid]) => sid === id, "b's disconnection reported");
    assert.ok(c.connected);
  });
});
