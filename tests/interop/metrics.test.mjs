// GET /metrics (atrium only): the Prometheus text on the API listener (no key) and, with
// --metrics, on the main port; every counter this suite drives moves by exactly what it did,
// and promtool finds nothing to complain about.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";
import { emitWithAck, once, unique } from "./lib/client.mjs";
import { broadcast, join, leave } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { api, apiUrl, backend, fileWith } from "./lib/backend.mjs";
import { openPolling, poll } from "./lib/raw.mjs";
import { assertPromtoolClean, deltas, scrape, scrapeUntil, value } from "./lib/metrics.mjs";

const skip = IS_REFERENCE ? "the metrics are atrium's" : false;
const KEY = "api-key-of-the-metrics-tests";
const RATE = 20; // events a second per socket: the rate-limit test goes past it, no other does

const POLLING = 'atrium_connections{transport="polling"}';
const WEBSOCKET = 'atrium_connections{transport="websocket"}';
const sockets = (nsp) => `atrium_sockets{namespace="${nsp}"}`;
const rooms = (nsp) => `atrium_rooms{namespace="${nsp}"}`;
const disconnects = (reason) => `atrium_disconnects_total{reason="${reason}"}`;
const limitCloses = (reason) => `atrium_limit_closes_total{reason="${reason}"}`;
const apiCode = (code) => `atrium_api_requests_total{code="${code}"}`;
const WEBHOOKS = "atrium_webhook_duration_seconds_count";

const hooks = await backend(() => ({ body: {} }));
after(() => hooks.close());

describe("metrics", { skip }, () => {
  const ctx = useServer({
    namespaces: ["/chat"],
    extraArgs: ["--metrics", "--max-events-per-second", String(RATE),
                "--api-port", "0", "--api-key-file", fileWith(KEY), "--webhook-url", hooks.url],
  });
  const apiBase = () => apiUrl(ctx.server);
  const mainBase = () => ctx.server.url;
  // What an earlier test closed may still be closing: start from no connection at all.
  const idle = () => scrapeUntil(mainBase(), (s) => value(s, POLLING) === 0 && value(s, WEBSOCKET) === 0
                                   && value(s, sockets("/")) === 0 && value(s, sockets("/chat")) === 0,
                                 "no connection and no socket left");

  it("serves the same families on the API port (no key) and the main port, promtool-clean", async () => {
    const fromApi = await scrape(apiBase());
    const fromMain = await scrape(mainBase());
    await assertPromtoolClean(fromApi.text, "API port");
    await assertPromtoolClean(fromMain.text, "main port");
    const families = (text) => text.split("\n").filter((l) => l.startsWith("# TYPE ")).sort();
    assert.deepEqual(families(fromApi.text), families(fromMain.text));
    for (const name of ["atrium_connections", "atrium_sockets", "atrium_rooms", "atrium_room_joins_total",
                        "atrium_room_leaves_total", "atrium_engineio_received_packets_total",
                        "atrium_engineio_sent_bytes_total", "atrium_broadcasts_total", "atrium_deliveries_total",
                        "atrium_disconnects_total", "atrium_limit_closes_total",
                        "atrium_events_rate_limited_total", "atrium_cluster_peers",
                        "atrium_cluster_messages_sent_total", "atrium_api_requests_total",
                        "atrium_webhook_duration_seconds"])
      assert.ok(fromApi.text.includes(`\n# TYPE ${name} `), `family ${name}`);
    // Both namespaces are labelled from the start, at zero.
    assert.equal(value(fromApi.samples, sockets("/chat")), 0);
    assert.equal(value(fromApi.samples, rooms("/")), 0);
  });

  it("counts connections by transport and sockets by namespace, up and down", async () => {
    const before = await idle();
    const polling = await Promise.all([1, 2].map(() => ctx.clients.connect("polling")));
    const ws = await Promise.all([1, 2, 3].map(() => ctx.clients.connect("websocket")));
    const upgraded = await ctx.clients.connect("upgrade"); // polling first, then WebSocket
    const chat = await ctx.clients.connect("websocket", { nsp: "/chat" });
    const keys = [POLLING, WEBSOCKET, sockets("/"), sockets("/chat")];
    const up = await scrapeUntil(mainBase(), (s) => value(s, WEBSOCKET) === 5, "five WebSockets");
    assert.deepEqual(deltas(before.samples, up.samples, keys),
                     { [POLLING]: 2, [WEBSOCKET]: 5, [sockets("/")]: 6, [sockets("/chat")]: 1 });
    await assertPromtoolClean(up.text, "with clients");

    // A client that closes its connection: "transport close", and every gauge comes back down.
    for (const s of [...polling, ...ws, upgraded, chat]) s.disconnect();
    const down = await idle();
    assert.deepEqual(deltas(before.samples, down.samples, keys),
                     { [POLLING]: 0, [WEBSOCKET]: 0, [sockets("/")]: 0, [sockets("/chat")]: 0 });
    assert.equal(value(down.samples, disconnects("transport_close"))
                 - value(before.samples, disconnects("transport_close")), 7);
    assert.ok(value(down.samples, "atrium_engineio_received_packets_total")
              > value(before.samples, "atrium_engineio_received_packets_total"));
    assert.ok(value(down.samples, "atrium_engineio_sent_bytes_total")
              > value(before.samples, "atrium_engineio_sent_bytes_total"));
  });

  it("counts joins, leaves, rooms, broadcasts and deliveries exactly", async () => {
    await idle();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => ctx.clients.connect("websocket")));
    const r1 = unique();
    const r2 = unique();
    const before = await scrape(mainBase());
    await join(a, r1);
    await join(a, r2);
    await join(b, r1);
    await join(a, r1); // already in it: no join
    await leave(a, r2); // its last member: the room goes
    await leave(c, r1); // not in it: no leave
    const news = unique("news");
    const heard = [a, b].map((s) => once(s, news));
    await broadcast(a, { to: [r1], event: news, args: ["hi"], self: true }); // a and b
    await Promise.all(heard);
    const heardAll = [a, b, c].map((s) => once(s, news));
    await broadcast(c, { to: [], event: news, args: ["all"], self: true }); // the whole namespace
    await Promise.all(heardAll);
    const after = await scrape(mainBase());
    assert.deepEqual(deltas(before.samples, after.samples,
                            ["atrium_room_joins_total", "atrium_room_leaves_total", rooms("/"),
                             "atrium_broadcasts_total", "atrium_deliveries_total"]),
                     { atrium_room_joins_total: 3, atrium_room_leaves_total: 1, [rooms("/")]: 1,
                       atrium_broadcasts_total: 2, atrium_deliveries_total: 5 });
    // Disconnection leaves every room: b leaves r1, and a leaving it too ends the room.
    b.disconnect();
    a.disconnect();
    const gone = await scrapeUntil(mainBase(), (s) => value(s, rooms("/")) === value(before.samples, rooms("/")),
                                   "the room gone");
    assert.equal(value(gone.samples, "atrium_room_leaves_total")
                 - value(before.samples, "atrium_room_leaves_total"), 3);
  });

  it("counts a protocol error by its rule and its reason", async () => {
    const before = await idle();
    const base = `${mainBase()}/socket.io/`;
    const { sid } = await openPolling(base);
    const opened = await scrape(mainBase());
    assert.equal(value(opened.samples, POLLING) - value(before.samples, POLLING), 1);
    const { status } = await poll(base, { sid, method: "POST", body: "not an Engine.IO payload" });
    assert.equal(status, 400);
    const after = await idle();
    assert.deepEqual(deltas(before.samples, after.samples,
                            [limitCloses("protocol_error"), disconnects("parse_error"), limitCloses("flood")]),
                     { [limitCloses("protocol_error")]: 1, [disconnects("parse_error")]: 1,
                       [limitCloses("flood")]: 0 });
  });

  it("counts exactly the events refused past the rate", async () => {
    const s = await ctx.clients.connect("websocket");
    const before = await scrape(mainBase());
    // Twice the rate at once: the first second's worth is served, the rest refused.
    const replies = await Promise.all(Array.from({ length: 2 * RATE }, () => emitWithAck(s, "rooms")));
    const refused = replies.filter((r) => r && r.ok === false && r.error === "rate limited").length;
    assert.ok(refused > 0 && refused < 2 * RATE, `${refused} of ${2 * RATE} refused`);
    // The refusal may reach the client before the server has counted it.
    const counted = (x) => value(x, "atrium_events_rate_limited_total")
                           - value(before.samples, "atrium_events_rate_limited_total");
    const after = await scrapeUntil(mainBase(), (x) => counted(x) >= refused, `${refused} refusals counted`);
    assert.equal(counted(after.samples), refused);
  });

  it("counts API requests by status, a scrape being one of them", async () => {
    const before = await scrape(apiBase()); // itself a 200, counted once it is written
    assert.equal((await api(apiBase(), "GET", "/v1/stats", { key: KEY })).status, 200);
    assert.equal((await api(apiBase(), "GET", "/v1/stats", { key: null })).status, 401);
    assert.equal((await api(apiBase(), "GET", "/v1/stats", { key: "wrong" })).status, 401);
    assert.equal((await api(apiBase(), "GET", "/v1/nothing", { key: KEY })).status, 404);
    assert.equal((await api(apiBase(), "POST", "/v1/stats", { key: KEY, body: {} })).status, 405);
    const after = await scrape(apiBase());
    assert.deepEqual(deltas(before.samples, after.samples,
                            [apiCode(200), apiCode(401), apiCode(404), apiCode(405), apiCode(500), apiCode("other")]),
                     { [apiCode(200)]: 2, [apiCode(401)]: 2, [apiCode(404)]: 1, [apiCode(405)]: 1,
                       [apiCode(500)]: 0, [apiCode("other")]: 0 });
    // The main port's /metrics is no API request.
    await scrape(mainBase());
    const last = await scrape(apiBase());
    assert.equal(value(last.samples, apiCode(200)) - value(after.samples, apiCode(200)), 1);
  });

  it("times every webhook answered in the histogram", async () => {
    await idle();
    // What the earlier tests' clients caused may still be on its way to the back end.
    const settled = await scrapeUntil(mainBase(), (s) => value(s, WEBHOOKS) === hooks.requests.length,
                                      "every webhook so far answered and counted");
    const posted = hooks.requests.length;
    const s = await ctx.clients.connect("websocket"); // connect
    const id = s.id; // the client forgets it when it disconnects
    await join(s, unique()); // join
    s.disconnect(); // disconnect
    await hooks.waitFor((r) => r.json && r.json.type === "disconnect" && r.json.socket.id === id, "disconnect");
    const after = await scrapeUntil(mainBase(), (x) => value(x, WEBHOOKS) === hooks.requests.length,
                                    "the new webhooks counted");
    const count = hooks.requests.length - posted;
    assert.ok(count >= 3, `connect, join, disconnect: ${count} webhooks`);
    assert.equal(value(after.samples, WEBHOOKS) - value(settled.samples, WEBHOOKS), count);
    assert.equal(value(after.samples, 'atrium_webhook_duration_seconds_bucket{le="+Inf"}'),
                 value(after.samples, WEBHOOKS));
    assert.ok(value(after.samples, "atrium_webhook_duration_seconds_sum") > 0);
    await assertPromtoolClean(after.text, "after webhooks");
  });
});

describe("metrics without --metrics", { skip }, () => {
  it("are not on the main port, only on the API port", async () => {
    const server = await startServer({ extraArgs: ["--api-port", "0", "--api-key-file", fileWith(KEY)] });
    try {
      const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 404);
      await res.text();
      await scrape(apiUrl(server));
    } finally {
      await server.stop();
    }
  });
});
