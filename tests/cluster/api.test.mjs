// The server HTTP API across three nodes: every route works on whichever node receives it and
// acts on the sockets of every node (unless "local"), and one API client's emits reach every
// node's sockets in the order it made them.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE } from "../interop/lib/server.mjs";
import { once, record, unique } from "../interop/lib/client.mjs";
import { join, roomsOf, sorted } from "../interop/lib/app.mjs";
import { until } from "../interop/lib/aftermath.mjs";
import { api, apiUrl, fileWith } from "../interop/lib/backend.mjs";
import { makeCluster, startAll, stopAll, waitMesh } from "./lib/cluster.mjs";

const KEY = "cluster-api-key";

describe("server HTTP API across three nodes", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  let nodes;
  let a;
  let b;
  let c;
  const call = (node, method, path, body) => api(apiUrl(node.server), method, path, { body, key: KEY });

  before(async () => {
    nodes = await makeCluster(3, { extraArgs: ["--api-port", "0", "--api-key-file", fileWith(KEY)] });
    await startAll(nodes);
    await waitMesh(nodes);
    a = await nodes[0].connect();
    b = await nodes[1].connect();
    c = await nodes[2].connect();
  });

  after(async () => {
    await stopAll(nodes);
  });

  it("emits to every node's sockets in the order one API client made the requests", async () => {
    const [A, B] = nodes;
    const room = unique();
    for (const s of [a, b, c]) await join(s, room);
    const recs = [a, b, c].map((s) => record(s, "tick"));
    for (let i = 0; i < 20; i++)
      assert.deepEqual((await call(A, "POST", "/v1/emit", { to: room, event: "tick", args: [i] })).body, { ok: true });
    for (const rec of recs) {
      await rec.count(20);
      assert.deepEqual(rec.items.map((x) => x[0]), [...Array(20).keys()]);
    }
    // "local": the receiving node's sockets only (b is on B).
    const onlyB = [a, b, c].map((s) => record(s, "here"));
    await call(B, "POST", "/v1/emit", { to: room, event: "here", args: [], local: true });
    await call(B, "POST", "/v1/emit", { to: room, event: "here", args: ["all"] });
    for (const rec of onlyB) await rec.count(rec === onlyB[1] ? 2 : 1);
    assert.deepEqual(onlyB.map((rec) => rec.items.map((x) => x[0] ?? null)), [["all"], [null, "all"], ["all"]]);
  });

  it("gathers acks from every node", async () => {
    const room = unique();
    for (const s of [a, b, c]) await join(s, room);
    for (const s of [a, b, c]) s.on("ask", (ack) => ack(s.id));
    const res = await call(nodes[2], "POST", "/v1/emit", { to: room, event: "ask", ack_timeout_ms: 5000 });
    assert.equal(res.body.timed_out, false);
    assert.deepEqual(res.body.responses.sort(), sorted([a.id, b.id, c.id]));
  });

  it("joins, lists, leaves and disconnects sockets of other nodes", async () => {
    const [A, B, C] = nodes;
    const [tag, added] = [unique(), unique()];
    await join(a, tag);
    await join(c, tag);
    // Through B, which holds none of them.
    assert.deepEqual((await call(B, "POST", "/v1/sockets/join", { to: tag, rooms: [added] })).body, { ok: true });
    // c is in the rooms of the earlier tests too.
    await until(() => roomsOf(c), (r) => r.includes(tag) && r.includes(added), "c joined through B");
    const listed = await until(async () => (await call(A, "GET", `/v1/sockets?room=${encodeURIComponent(added)}`)).body.sockets,
                               (s) => s.length === 2, "both listed");
    assert.deepEqual(listed.map((s) => [s.id, s.node]), [[a.id, A.addr], [c.id, C.addr]].sort());
    const rooms = (await call(C, "GET", "/v1/rooms")).body.rooms;
    assert.ok(rooms.includes(tag) && rooms.includes(added), JSON.stringify(rooms));
    await call(A, "POST", "/v1/sockets/leave", { to: c.id, rooms: [added] });
    await until(() => roomsOf(c), (r) => r.includes(tag) && !r.includes(added), "c left through A");
    const extra = await C.connect();
    const gone = once(extra, "disconnect");
    await call(A, "POST", "/v1/sockets/disconnect", { to: extra.id });
    assert.equal((await gone)[0], "io server disconnect");
  });

  it("server-side-emit reaches the other nodes and gathers their answers", async () => {
    const [A, B, C] = nodes;
    const res = await call(A, "POST", "/v1/server-side-emit", { event: "ping", args: ["hello"], ack_timeout_ms: 5000 });
    assert.equal(res.body.timed_out, false);
    assert.deepEqual(res.body.responses.map((r) => r.node).sort(), [B.addr, C.addr].sort());
    assert.deepEqual(res.body.responses[0].args, ["hello"]);
  });
});
