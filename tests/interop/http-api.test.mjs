// The server HTTP API on one node (atrium only), with real requests: its key, every route, and
// what malformed requests get. tests/cluster/api.test.mjs runs the routes across three nodes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IS_REFERENCE } from "./lib/server.mjs";
import { once, record, unique } from "./lib/client.mjs";
import { join, roomsOf, sorted } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { api, apiUrl, fileWith } from "./lib/backend.mjs";
import { until } from "./lib/aftermath.mjs";

const skip = IS_REFERENCE ? "the server HTTP API is atrium's" : false;
const KEY = "the-api-key-of-these-tests";

describe("server HTTP API", { skip }, () => {
  const ctx = useServer({
    namespaces: ["/chat"],
    extraArgs: ["--api-port", "0", "--api-key-file", fileWith(`${KEY}\n`), "--api-max-body", "4096"],
  });
  const call = (method, path, body, key = KEY) => api(apiUrl(ctx.server), method, path, { body, key });

  it("answers 401 without the key or with a wrong one", async () => {
    for (const key of [null, "wrong", `${KEY}x`, KEY.slice(0, -1)]) {
      const res = await call("GET", "/v1/rooms", undefined, key);
      assert.equal(res.status, 401, `key ${key}`);
      assert.equal(res.headers.get("www-authenticate"), "Bearer");
      assert.equal(typeof res.body.error, "string");
    }
    assert.equal((await call("GET", "/v1/rooms")).status, 200);
  });

  it("answers 404, 405, 400 and 413 with {error}", async () => {
    const base = apiUrl(ctx.server);
    const expect = async (res, status, what) => {
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, "string", what);
    };
    await expect(await call("GET", "/v1/nothing"), 404, "unknown path");
    await expect(await call("GET", "/v1/emit"), 405, "GET on a POST route");
    await expect(await call("POST", "/v1/sockets"), 405, "POST on a GET route");
    await expect(await api(base, "POST", "/v1/emit", { key: KEY, raw: "{not json" }), 400, "bad JSON");
    await expect(await api(base, "POST", "/v1/emit", { key: KEY, raw: "" }), 400, "no body");
    await expect(await call("POST", "/v1/emit", [1, 2]), 400, "an array body");
    await expect(await call("POST", "/v1/emit", { args: [] }), 400, "no event");
    await expect(await call("POST", "/v1/emit", { event: "x", args: "a" }), 400, "args not an array");
    await expect(await call("POST", "/v1/emit", { event: "connect" }), 400, "a reserved event");
    await expect(await call("POST", "/v1/emit", { event: "x", to: [1] }), 400, "a room that is a number");
    await expect(await call("POST", "/v1/emit", { event: "x", namespace: "/nope" }), 400, "an unknown namespace");
    await expect(await call("POST", "/v1/emit", { event: "x", args: [{ $binary: "!!" }] }), 400, "bad base64");
    await expect(await call("POST", "/v1/emit", { event: "x", ack_timeout_ms: 0 }), 400, "a zero timeout");
    await expect(await call("POST", "/v1/sockets/join", { rooms: [] }), 400, "no rooms");
    await expect(await call("POST", "/v1/emit", { event: "x", args: ["y".repeat(5000)] }), 413, "a body over --api-max-body");
    // Still serving.
    assert.equal((await call("GET", "/v1/stats")).status, 200);
  });

  it("emits to rooms except rooms, in the order the requests were made, binary included", async () => {
    const [a, b, c] = await ctx.clients.connectMany("websocket", 3);
    const [room, skipped] = [unique(), unique()];
    for (const s of [a, b, c]) await join(s, room);
    await join(c, skipped);
    const atA = record(a, "tick");
    const atB = record(b, "tick");
    const atC = record(c, "tick");
    for (let i = 0; i < 30; i++) {
      const res = await call("POST", "/v1/emit", { to: room, except: [skipped], event: "tick", args: [i] });
      assert.deepEqual(res.body, { ok: true });
    }
    await atA.count(30);
    await atB.count(30);
    assert.deepEqual(atA.items.map((x) => x[0]), [...Array(30).keys()]);
    assert.deepEqual(atB.items.map((x) => x[0]), [...Array(30).keys()]);
    const bin = once(a, "blob");
    await call("POST", "/v1/emit", { to: a.id, event: "blob", args: [{ $binary: Buffer.from([0, 1, 255]).toString("base64") }, "t"] });
    const [bytes, text] = await bin;
    assert.deepEqual([...Buffer.from(bytes)], [0, 1, 255]);
    assert.equal(text, "t");
    assert.equal(atC.items.length, 0, "the excepted room got nothing");
    // Namespaces are apart.
    const chat = await ctx.clients.connect("websocket", { nsp: "/chat" });
    const inChat = once(chat, "hello");
    await call("POST", "/v1/emit", { namespace: "/chat", event: "hello", args: [] });
    await inChat;
  });

  it("gathers acks within ack_timeout_ms", async () => {
    const [a, b] = await ctx.clients.connectMany("websocket", 2);
    const room = unique();
    await join(a, room);
    await join(b, room);
    a.on("ask", (q, ack) => ack({ from: "a", q }));
    b.on("ask", (q, ack) => ack({ from: "b", q }));
    const all = await call("POST", "/v1/emit", { to: room, event: "ask", args: ["?"], ack_timeout_ms: 5000 });
    assert.equal(all.body.ok, true);
    assert.equal(all.body.timed_out, false);
    assert.deepEqual(all.body.responses.map((r) => r.from).sort(), ["a", "b"]);
    const mute = await ctx.clients.connect("websocket");
    await join(mute, room);
    mute.on("ask", () => {}); // never acks
    const partial = await call("POST", "/v1/emit", { to: room, event: "ask", args: ["?"], ack_timeout_ms: 300 });
    assert.equal(partial.body.timed_out, true);
    assert.equal(partial.body.responses.length, 2);
  });

  it("joins, leaves, lists and disconnects sockets", async () => {
    const [a, b] = await ctx.clients.connectMany("websocket", 2);
    const [tag, more] = [unique(), unique()];
    await join(a, tag);
    await join(b, tag);
    assert.deepEqual((await call("POST", "/v1/sockets/join", { to: tag, except: a.id, rooms: [more] })).body, { ok: true });
    // The sockets learn it from the supervisor, a moment after the API answered.
    const rooms3 = sorted([b.id, tag, more]);
    await until(() => roomsOf(b), (r) => JSON.stringify(r) === JSON.stringify(rooms3), "b joined");
    assert.deepEqual(await roomsOf(a), sorted([a.id, tag]));
    const listed = (await call("GET", `/v1/sockets?room=${encodeURIComponent(tag)}`)).body.sockets;
    assert.deepEqual(listed.map((s) => s.id), sorted([a.id, b.id]));
    const entry = listed.find((s) => s.id === b.id);
    assert.deepEqual(entry.rooms, sorted([b.id, tag, more]));
    assert.equal(entry.user, null);
    assert.equal(entry.data, null);
    const rooms = (await call("GET", "/v1/rooms")).body.rooms;
    assert.ok(rooms.includes(tag) && rooms.includes(more), JSON.stringify(rooms));
    await call("POST", "/v1/sockets/leave", { to: more, rooms: more });
    const rooms2 = sorted([b.id, tag]);
    await until(() => roomsOf(b), (r) => JSON.stringify(r) === JSON.stringify(rooms2), "b left");
    const gone = once(b, "disconnect");
    assert.deepEqual((await call("POST", "/v1/sockets/disconnect", { to: b.id })).body, { ok: true });
    assert.equal((await gone)[0], "io server disconnect");
    assert.ok(a.connected, "only the selected socket left");
  });

  it("server-side-emit with and without acks", async () => {
    assert.deepEqual((await call("POST", "/v1/server-side-emit", { event: "ping", args: [1] })).body, { ok: true });
    // Alone, no node answers: done at once, nothing timed out.
    const res = await call("POST", "/v1/server-side-emit", { event: "ping", args: [1], ack_timeout_ms: 1000 });
    assert.deepEqual(res.body, { ok: true, timed_out: false, responses: [] });
  });
});
