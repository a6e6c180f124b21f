// Connection state recovery on one node (atrium only; Socket.IO 4.6's connectionStateRecovery,
// which the official client does by itself): a client whose transport is cut comes back with
// the same id and rooms, `recovered` true, and gets the events sent meanwhile, in order, once.
// An expired window, a wrong pid or offset, or a disconnect on purpose give a fresh session.
//
// The client's reconnection is driven by the test (reconnection: false, then connect()): the
// same Socket keeps its pid and last offset, as it does when it reconnects by itself.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { emitWithAck, once, record, unique } from "./lib/client.mjs";
import { broadcast, join } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { scrapeUntil } from "./lib/metrics.mjs";
import { api, apiUrl, fileWith, jwt, now } from "./lib/backend.mjs";
import { IS_REFERENCE } from "./lib/server.mjs";

const skip = IS_REFERENCE ? "the reference server runs without recovery" : false;

/** The session the rooms app reports: { id, recovered }. */
const session = (s) => emitWithAck(s, "session");

/** How many sessions of clients that may come back the server keeps now. */
const sessionsNow = async (server) =>
  (await scrapeUntil(server.url, () => true, "a scrape")).samples.get("atrium_recovery_sessions");

/** Until the server keeps `n` sessions of clients that may come back. */
const sessionsKept = (server, n, what) =>
  scrapeUntil(server.url, (m) => m.get("atrium_recovery_sessions") === n, what);

/** Cuts the transport under `s` (as a network failure would) and waits for its disconnect. */
async function cut(s) {
  const gone = once(s, "disconnect", 5000, "the cut");
  s.io.engine.close(); // the server sees its transport close, the client "forced close"
  await gone;
}

/** Publishes `values` to `room` from `sender`, each acknowledged by the server. */
async function publish(sender, room, values) {
  for (const v of values) await broadcast(sender, { to: [room], event: "seq", args: [v] });
}

/**
 * A receiver in a fresh room that has got one "seq" event from a sender (so it has an offset
 * to come back with): { receiver, sender, room, got, id }.
 */
async function subscribed(clients, mode, first = 0) {
  const room = unique();
  const receiver = await clients.connect(mode);
  const sender = await clients.connect("websocket");
  await join(receiver, room);
  const got = record(receiver, "seq");
  await publish(sender, room, [first]);
  await got.count(1);
  return { receiver, sender, room, got, id: receiver.id };
}

function recoverySuite(mode) {
  describe(`connection state recovery (${mode})`, { skip }, () => {
    const ctx = useServer({ extraArgs: ["--recovery-window", "60000", "--metrics"] });

    it("the events sent while the transport was cut arrive after the reconnect, in order, once", async () => {
      const room = unique();
      const receiver = await ctx.clients.connect(mode);
      const sender = await ctx.clients.connect("websocket");
      await join(receiver, room);
      const got = record(receiver, "seq");
      await publish(sender, room, [0, 1, 2, 3, 4]);
      await got.count(5);
      // Each event carries its offset as its last argument, a string.
      for (const [, offset] of got.items) assert.equal(typeof offset, "string");
      assert.equal(new Set(got.items.map(([, o]) => o)).size, 5, "offsets are distinct");
      const { id } = await session(receiver);
      assert.equal(id, receiver.id);

      const kept = await sessionsNow(ctx.server);
      await cut(receiver);
      await sessionsKept(ctx.server, kept + 1, "the receiver's session kept");
      await publish(sender, room, [5, 6, 7, 8, 9, 10, 11]);
      receiver.connect();
      await once(receiver, "connect", 5000, "the reconnect");
      assert.equal(receiver.recovered, true, "the client says it recovered");
      assert.equal(receiver.id, id, "the same id");
      // Live events after the missed ones, still in order.
      await publish(sender, room, [12, 13]);
      await got.count(14);
      await got.exactly(14);
      assert.deepEqual(got.items.map(([v]) => v), [...Array(14).keys()]);
      assert.deepEqual(await session(receiver), { id, recovered: true });
      assert.deepEqual((await emitWithAck(receiver, "rooms")).sort(), [id, room].sort());
      await sessionsKept(ctx.server, kept, "the session given back");
    });

    it("only what the session's rooms got is replayed, private messages too, not what excluded it", async () => {
      const [mine, other] = [unique(), unique()];
      const receiver = await ctx.clients.connect(mode);
      const sender = await ctx.clients.connect("websocket");
      await join(receiver, mine);
      const got = record(receiver, "seq");
      const direct = record(receiver, "private message");
      await publish(sender, mine, ["first"]);
      await got.count(1);
      const id = receiver.id; // the client forgets it while disconnected
      const kept = await sessionsNow(ctx.server);
      await cut(receiver);
      await sessionsKept(ctx.server, kept + 1, "the receiver's session kept");
      await publish(sender, other, ["not its room"]);
      await broadcast(sender, { event: "seq", args: ["everyone"] });
      await broadcast(sender, { to: [mine], except: [mine], event: "seq", args: ["excluded"] });
      sender.emit("private message", id, "direct");
      await publish(sender, mine, ["last"]); // after the private message: one sender's order
      receiver.connect();
      await once(receiver, "connect", 5000, "the reconnect");
      assert.equal(receiver.recovered, true);
      await got.count(3);
      await got.exactly(3);
      assert.deepEqual(got.items.map(([v]) => v), ["first", "everyone", "last"]);
      await direct.exactly(1);
      assert.deepEqual(direct.items[0].slice(0, 2), [sender.id, "direct"]);
      assert.equal(typeof direct.items[0][2], "string", "a private message carries an offset too");
    });

    it("a wrong pid or offset gives a fresh session", async () => {
      for (const wrong of ["_pid", "_lastOffset"]) {
        const { receiver, id } = await subscribed(ctx.clients, mode);
        const kept = await sessionsNow(ctx.server);
        await cut(receiver);
        await sessionsKept(ctx.server, kept + 1, "the receiver's session kept");
        receiver[wrong] = "not-what-the-server-gave";
        receiver.connect();
        await once(receiver, "connect", 5000, "the reconnect");
        assert.equal(receiver.recovered, false, wrong);
        assert.notEqual(receiver.id, id, wrong);
        assert.deepEqual(await session(receiver), { id: receiver.id, recovered: false });
        assert.deepEqual(await emitWithAck(receiver, "rooms"), [receiver.id], "no rooms back");
        // A wrong offset used the session up; a wrong pid left it to its window.
        await sessionsKept(ctx.server, wrong === "_pid" ? kept + 1 : kept, "what is left");
      }
    });

    it("a disconnect on purpose keeps no session", async () => {
      // With an offset to come back with, and its pid: only the server can say no.
      const { receiver, id } = await subscribed(ctx.clients, mode);
      const kept = await sessionsNow(ctx.server);
      receiver.disconnect();
      assert.equal(typeof receiver._pid, "string", "the client keeps its pid");
      receiver.connect();
      await once(receiver, "connect", 5000, "the new connect");
      assert.equal(receiver.recovered, false);
      assert.notEqual(receiver.id, id);
      assert.equal(await sessionsNow(ctx.server), kept);
    });
  });
}

for (const mode of ["websocket", "polling"]) recoverySuite(mode);

describe("connection state recovery: what keeps a session", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--recovery-window", "60000", "--metrics"] });

  it("a server-side disconnect keeps none, with the connection closed or not", async () => {
    // As Socket.IO: "server namespace disconnect" either way, and after it the official
    // client does not reconnect by itself. Brought back by hand with its pid and offset, it
    // gets a fresh session.
    for (const close of [false, true]) {
      const { receiver: s, id } = await subscribed(ctx.clients, "websocket");
      const gone = once(s, "disconnect", 5000, "the server's disconnect");
      s.emit("server-disconnect", { close });
      const [reason] = await gone;
      assert.equal(reason, "io server disconnect");
      assert.equal(typeof s._pid, "string", "the client keeps its pid");
      s.connect();
      await once(s, "connect", 5000, "the connect by hand");
      assert.ok(!s.recovered, `disconnect(${close})`);
      assert.notEqual(s.id, id);
    }
  });
});

// The rooms app refuses a CONNECT whose auth has a string `reject`: a middleware.
for (const [flag, recovers] of [["skip", true], ["run", false]]) {
  describe(`connection state recovery: --recovery-middlewares ${flag}`, { skip }, () => {
    const ctx = useServer({ extraArgs: ["--recovery-window", "60000", "--metrics",
                                        "--recovery-middlewares", flag] });

    it(recovers ? "a recovered client is not checked again" : "a recovered client is checked again", async () => {
      const { receiver, id } = await subscribed(ctx.clients, "websocket");
      const kept = await sessionsNow(ctx.server);
      await cut(receiver);
      await sessionsKept(ctx.server, kept + 1, "the receiver's session kept");
      receiver.auth = { reject: "checked again" };
      receiver.connect();
      if (recovers) {
        await once(receiver, "connect", 5000, "the reconnect");
        assert.equal(receiver.recovered, true);
        assert.equal(receiver.id, id);
      } else {
        const [err] = await once(receiver, "connect_error", 5000, "the refusal");
        assert.equal(err.message, "checked again");
      }
    });
  });
}

describe("connection state recovery: an expired window", { skip }, () => {
  const ctx = useServer({ extraArgs: ["--recovery-window", "300", "--metrics"] });

  it("gives a fresh session once the window has passed", async () => {
    const { receiver, sender, room, got, id } = await subscribed(ctx.clients, "websocket");
    await cut(receiver);
    await sessionsKept(ctx.server, 1, "the receiver's session kept");
    await publish(sender, room, [1]);
    const held = await scrapeUntil(ctx.server.url, () => true, "a scrape");
    assert.ok(held.samples.get("atrium_recovery_bytes") > 0, "the session and packets are counted");
    // Forgotten by the server's own clock (it looks once a second), the packets with them.
    await sessionsKept(ctx.server, 0, "the session forgotten past its window");
    await scrapeUntil(ctx.server.url, (m) => m.get("atrium_recovery_bytes") === 0,
                      "the replay buffer emptied past its window");
    receiver.connect();
    await once(receiver, "connect", 5000, "the reconnect");
    assert.equal(receiver.recovered, false);
    assert.notEqual(receiver.id, id);
    await got.exactly(1);
  });
});

describe("connection state recovery: a socket's own emits", { skip }, () => {
  // --conformance for its echo handlers (message -> message-back, message-with-ack).
  const ctx = useServer({ conformance: true, extraArgs: ["--recovery-window", "60000"] });

  it("carry an offset; acks do not", async () => {
    const s = await ctx.clients.connect("websocket");
    const back = record(s, "message-back");
    s.emit("message", "hello");
    await back.count(1);
    assert.equal(back.items[0][0], "hello");
    assert.equal(typeof back.items[0][1], "string");
    // The ack's arguments are the event's, and no offset is added to them.
    assert.equal(await emitWithAck(s, "message-with-ack", "x"), "x");
  });
});

describe("connection state recovery: the socket's data", { skip }, () => {
  const SECRET = "the secret of the recovery tests, long enough";
  const API_KEY = "api-key-of-the-recovery-tests";
  const ctx = useServer({
    trusted: false,
    extraArgs: ["--recovery-window", "60000", "--metrics",
                "--auth-jwt-secret-file", fileWith(SECRET + "\n"),
                "--api-port", "0", "--api-key-file", fileWith(API_KEY)],
  });

  it("comes back with the socket, though the middlewares that gave it are skipped", async () => {
    const sub = unique();
    const token = jwt("HS256", SECRET, { sub, exp: now() + 600, data: { plan: "pro" } });
    const s = await ctx.clients.connect("websocket", { auth: { token } });
    const sender = await ctx.clients.connect("websocket", {
      auth: { token: jwt("HS256", SECRET, { sub: unique(), exp: now() + 600 }) },
    });
    const got = record(s, "private message");
    // An offset to come back with: a private message from another socket.
    sender.emit("private message", s.id, "hello");
    await got.count(1);
    const id = s.id;
    const kept = await sessionsNow(ctx.server);
    await cut(s);
    await sessionsKept(ctx.server, kept + 1, "the session kept");
    s.connect();
    await once(s, "connect", 5000, "the reconnect");
    assert.equal(s.recovered, true);
    assert.equal(s.id, id);
    // The token's user and data, which only the (skipped) token check sets, are the socket's.
    const listing = await api(apiUrl(ctx.server), "GET", `/v1/sockets?room=user:${sub}`, { key: API_KEY });
    assert.deepEqual(listing.body.sockets.map((x) => [x.id, x.user, x.data]), [[id, sub, { plan: "pro" }]]);
  });
});

describe("without --recovery-window", { skip }, () => {
  const ctx = useServer();

  it("events carry no offset and the CONNECT no pid", async () => {
    const { receiver, got } = await subscribed(ctx.clients, "websocket");
    await got.exactly(1);
    assert.deepEqual(got.items, [[0]]);
    assert.equal(receiver._pid, undefined);
    await cut(receiver);
    receiver.connect();
    await once(receiver, "connect", 5000, "the reconnect");
    assert.ok(!receiver.recovered);
  });
});
