// Engine.IO v4 and Socket.IO v5 at the wire level, with raw HTTP (fetch) and raw WebSocket (ws),
// against `atrium --conformance` (pingInterval 300, pingTimeout 200, bare Engine.IO echo at
// /engine.io/, conformance app on / and /custom at /socket.io/). These are Atrium's own tests of
// the behaviours the official protocol suites check. Skipped for the Node reference server.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";
import { sleep } from "./lib/client.mjs";
import { RawSockets, openPolling, poll, request } from "./lib/raw.mjs";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const OPEN_KEYS = ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"];

const skip = IS_REFERENCE ? "the Node reference server has no --conformance mode" : false;

describe("wire protocol (atrium --conformance)", { skip }, () => {
  let server;
  let http;
  let wsBase;
  const raw = new RawSockets();
  before(async () => {
    server = await startServer({ conformance: true });
    http = server.url;
    wsBase = server.url.replace(/^http/, "ws");
  });
  afterEach(() => raw.closeAll());
  after(() => server && server.stop());

  const assertOpenPacket = (text, upgrades) => {
    assert.equal(typeof text, "string", "open packet must be a text frame");
    assert.ok(text.startsWith("0"), `open packet must start with 0: ${JSON.stringify(text)}`);
    const open = JSON.parse(text.slice(1));
    assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS, `open packet keys: ${text}`);
    assert.equal(typeof open.sid, "string");
    assert.ok(open.sid.length > 0, "sid is not empty");
    assert.deepEqual(open.upgrades, upgrades);
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
    assert.equal(open.maxPayload, 1000000);
    return open;
  };

  // ---------------------------------------------------------------------------------------------
  for (const path of ["/engine.io/", "/socket.io/"]) {
    describe(`Engine.IO handshake at ${path}`, () => {
      const base = () => http + path;
      const wsUrl = (q) => `${wsBase}${path}?${q}`;

      it("polling handshake: open packet with exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", async () => {
        const { status, body } = await poll(base());
        assert.equal(status, 200);
        assertOpenPacket(body, ["websocket"]);
      });

      it("every handshake gets a fresh sid", async () => {
        const [a, b] = await Promise.all([openPolling(base()), openPolling(base())]);
        assert.notEqual(a.sid, b.sid);
      });

      it("HTTP 400 for a missing, invalid or unsupported EIO", async () => {
        for (const q of ["transport=polling", "EIO=abc&transport=polling", "EIO=3&transport=polling", "EIO=5&transport=polling"]) {
          const { status } = await request(`${base()}?${q}`);
          assert.equal(status, 400, `GET ?${q}`);
        }
      });

      it("HTTP 400 for a missing or unknown transport", async () => {
        for (const q of ["EIO=4", "EIO=4&transport=abc"]) {
          const { status } = await request(`${base()}?${q}`);
          assert.equal(status, 400, `GET ?${q}`);
        }
      });

      it("HTTP 400 for a handshake by POST or PUT", async () => {
        for (const method of ["POST", "PUT"]) {
          const { status } = await request(`${base()}?EIO=4&transport=polling`, { method, body: "" });
          assert.equal(status, 400, `${method} handshake`);
        }
      });

      it("HTTP 400 for an unknown sid (GET and POST)", async () => {
        assert.equal((await poll(base(), { sid: "no-such-session" })).status, 400);
        assert.equal((await poll(base(), { sid: "no-such-session", method: "POST", body: "4x" })).status, 400);
      });

      it("WebSocket handshake: the first frame is the open packet with upgrades []", async () => {
        const s = raw.open(wsUrl("EIO=4&transport=websocket"));
        assertOpenPacket(await s.next(), []);
      });

      it("WebSocket with a missing/invalid EIO or transport is refused or closed", async () => {
        for (const q of ["transport=websocket", "EIO=abc&transport=websocket", "EIO=3&transport=websocket", "EIO=4", "EIO=4&transport=abc"]) {
          const s = raw.open(wsUrl(q));
          await s.closed(3000, `refusal of WebSocket ?${q}`);
          assert.equal(s.queue.length, 0, `no open packet for ?${q}: ${JSON.stringify(s.queue)}`);
        }
      });

      it("WebSocket with an unknown sid is refused or closed", async () => {
        const s = raw.open(wsUrl("EIO=4&transport=websocket&sid=no-such-session"));
        await s.closed(3000, "refusal of an unknown sid");
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  describe("Engine.IO echo at /engine.io/", () => {
    const base = () => `${http}/engine.io/`;
    const wsUrl = (q = "") => `${wsBase}/engine.io/?EIO=4&transport=websocket${q}`;

    it("polling: POST of one packet answers 200 ok; GET returns it", async () => {
      const { sid } = await openPolling(base());
      const post = await poll(base(), { sid, method: "POST", body: "4hello" });
      assert.equal(post.status, 200);
      assert.equal(post.body, "ok");
      const get = await poll(base(), { sid });
      assert.equal(get.status, 200);
      assert.equal(get.body, "4hello");
    });

    it("polling: several packets in one POST come back joined by \\x1e", async () => {
      const { sid } = await openPolling(base());
      assert.equal((await poll(base(), { sid, method: "POST", body: "4one\x1e4two\x1e4three" })).body, "ok");
      assert.equal((await poll(base(), { sid })).body, "4one\x1e4two\x1e4three");
    });

    it("polling: binary travels as b + base64, mixed with text", async () => {
      const { sid } = await openPolling(base());
      const b64 = Buffer.from([1, 2, 3, 4, 0, 255]).toString("base64");
      assert.equal((await poll(base(), { sid, method: "POST", body: `4text\x1eb${b64}` })).body, "ok");
      assert.equal((await poll(base(), { sid })).body, `4text\x1eb${b64}`);
    });

    it("polling: a pending GET is answered when a packet arrives", async () => {
      const { sid } = await openPolling(base());
      const pending = poll(base(), { sid });
      await sleep(20);
      assert.equal((await poll(base(), { sid, method: "POST", body: "4late" })).body, "ok");
      const got = await pending;
      assert.equal(got.status, 200);
      assert.equal(got.body, "4late");
    });

    it("polling: UTF-8 text round-trips", async () => {
      const { sid } = await openPolling(base());
      const text = "4héllo ✓ 🎉";
      assert.equal((await poll(base(), { sid, method: "POST", body: text })).body, "ok");
      assert.equal((await poll(base(), { sid })).body, text);
    });

    it("polling: an invalid packet closes the session", async () => {
      const { sid } = await openPolling(base());
      try {
        // The POST itself may be refused (400) or accepted (200, Node's engine.io does that);
        // what matters is that the session is gone afterwards. A dropped connection is fine too.
        const res = await poll(base(), { sid, method: "POST", body: "abc" });
        assert.ok([200, 400].includes(res.status), `POST of an invalid packet: HTTP ${res.status}`);
      } catch (err) {
        if (err.code === "ERR_ASSERTION") throw err;
      }
      assert.equal((await poll(base(), { sid })).status, 400, "session still open after an invalid packet");
    });

    it("polling: a second concurrent GET gets 400, the pending one gets 1, the session is closed", async () => {
      const { sid } = await openPolling(base());
      const first = poll(base(), { sid });
      await sleep(5);
      const second = await poll(base(), { sid, query: "&t=second" });
      assert.ok([400, 500].includes(second.status), `second GET status ${second.status}`);
      const firstRes = await first;
      assert.equal(firstRes.status, 200);
      assert.equal(firstRes.body, "1");
      assert.equal((await poll(base(), { sid })).status, 400);
    });

    it("polling: a client aborting its pending GET closes the session", async () => {
      const { sid } = await openPolling(base());
      const controller = new AbortController();
      const pending = poll(base(), { sid, signal: controller.signal }).catch(() => {});
      await sleep(5);
      controller.abort();
      await pending;
      assert.equal((await poll(base(), { sid })).status, 400);
    });

    it("polling: a POST of 1 closes the session; the pending GET gets 6", async () => {
      const { sid } = await openPolling(base());
      const [get, post] = await Promise.all([
        poll(base(), { sid }),
        sleep(5).then(() => poll(base(), { sid, method: "POST", body: "1" })),
      ]);
      assert.equal(post.status, 200);
      assert.equal(get.status, 200);
      assert.equal(get.body, "6");
      assert.equal((await poll(base(), { sid })).status, 400);
    });

    it("WebSocket: text echoes as text, binary as a raw binary frame", async () => {
      const s = raw.open(wsUrl());
      assertOpenPacket(await s.next(), []);
      s.send("4hello");
      assert.equal(await s.next(), "4hello");
      s.send(Uint8Array.from([1, 2, 3, 4]));
      const bin = await s.next();
      assert.ok(Buffer.isBuffer(bin), `binary came back as ${typeof bin}: ${JSON.stringify(bin)}`);
      assert.deepEqual([...bin], [1, 2, 3, 4]);
      s.send("4a");
      s.send("4b");
      s.send(Uint8Array.from([9]));
      s.send("4c");
      assert.deepEqual([await s.next(), await s.next(), [...(await s.next())], await s.next()],
        ["4a", "4b", [9], "4c"], "echo order");
    });

    it("WebSocket: an invalid packet closes the connection", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.send("abc");
      await s.closed(3000, "close after an invalid packet");
    });

    // RFC 6455 framing, which atrium does itself after the handshake.
    it("WebSocket framing: a ping frame is answered by a pong with its payload", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      const pong = new Promise((res) => s.ws.once("pong", (data) => res(data.toString())));
      s.ws.ping("are you there");
      assert.equal(await Promise.race([pong, sleep(3000).then(() => "no pong")]), "are you there");
    });

    it("WebSocket framing: fragments make one message", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.ws.send("4frag", { fin: false });
      s.ws.send("men", { fin: false });
      s.ws.send("ted", { fin: true });
      assert.equal(await s.next(), "4fragmented");
    });

    it("WebSocket framing: a client's close code is answered with the same code", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.ws.close(4000, "bye");
      assert.equal((await s.closed(3000)).code, 4000);
    });

    it("WebSocket framing: a message above maxPayload closes with 1009", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.send("4" + "x".repeat(1_000_000));
      assert.equal((await s.closed(3000)).code, 1009);
    });

    it("WebSocket framing: a text frame that is not UTF-8 closes with 1007", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.ws.send(Buffer.from([0x34, 0xc3, 0x28]), { binary: false });
      assert.equal((await s.closed(3000)).code, 1007);
    });

    it("WebSocket framing: an unmasked client frame closes with 1002", async () => {
      const { hostname, port } = new URL(http);
      const sock = connect(Number(port), hostname);
      try {
        let received = Buffer.alloc(0);
        const until = (test, what) => new Promise((res, rej) => {
          const check = () => { if (test(received)) { cleanup(); res(); } };
          const timer = setTimeout(() => { cleanup(); rej(new Error(`timed out waiting for ${what}`)); }, 3000);
          const onData = (chunk) => { received = Buffer.concat([received, chunk]); check(); };
          const cleanup = () => { clearTimeout(timer); sock.off("data", onData); };
          sock.on("data", onData);
          check();
        });
        sock.write("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n" +
                   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        await until((b) => b.includes("\r\n\r\n") && b.length > b.indexOf("\r\n\r\n") + 4, "101 and open");
        assert.ok(received.toString("latin1").startsWith("HTTP/1.1 101"));
        received = Buffer.alloc(0);
        sock.write(Buffer.from([0x81, 0x02, 0x34, 0x61])); // text "4a", no mask
        const close = Buffer.from([0x88, 0x02, 0x03, 0xea]); // close, 1002
        await until((b) => b.includes(close), "a close frame with 1002");
      } finally {
        sock.destroy();
      }
    });

    it("WebSocket: a close packet 1 closes the connection", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.send("1");
      await s.closed(3000, "close after packet 1");
    });

    it("heartbeat over polling: ping every pingInterval, answered by pong", async () => {
      const { sid } = await openPolling(base());
      let last = Date.now();
      for (let i = 0; i < 3; i++) {
        const get = await poll(base(), { sid });
        const elapsed = Date.now() - last;
        assert.equal(get.status, 200);
        assert.equal(get.body, "2", `ping ${i}`);
        assert.ok(elapsed >= PING_INTERVAL - 60 && elapsed <= PING_INTERVAL + 400,
          `ping ${i} came after ${elapsed} ms, expected about ${PING_INTERVAL} ms`);
        const post = await poll(base(), { sid, method: "POST", body: "3" });
        assert.equal(post.status, 200);
        last = Date.now();
      }
    });

    it("heartbeat over polling: no pong within pingTimeout closes the session (checked on request)", async () => {
      const { sid } = await openPolling(base());
      await sleep(PING_INTERVAL + PING_TIMEOUT);
      assert.equal((await poll(base(), { sid })).status, 400);
    });

    it("heartbeat over WebSocket: ping every pingInterval, answered by pong", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      let last = Date.now();
      for (let i = 0; i < 3; i++) {
        assert.equal(await s.next(2000, `ping ${i}`), "2");
        const elapsed = Date.now() - last;
        assert.ok(elapsed >= PING_INTERVAL - 60 && elapsed <= PING_INTERVAL + 400,
          `ping ${i} came after ${elapsed} ms, expected about ${PING_INTERVAL} ms`);
        s.send("3");
        last = Date.now();
      }
    });

    it("heartbeat over WebSocket: no pong closes the connection after pingInterval + pingTimeout", async () => {
      const start = Date.now();
      const s = raw.open(wsUrl());
      await s.closed(3000, "close on ping timeout");
      const elapsed = Date.now() - start;
      assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - 100,
        `closed after ${elapsed} ms, before pingInterval + pingTimeout`);
      assert.deepEqual(s.queue.filter((m) => m !== "2").length, 1, "only the open packet besides pings");
    });

    it("upgrade: 2probe/3probe, a GET during the upgrade gets 6, 5 completes it", async () => {
      const { sid } = await openPolling(base());
      const s = raw.open(wsUrl(`&sid=${sid}`));
      await s.opened();
      s.send("2probe");
      assert.equal(await s.next(2000, "3probe"), "3probe");
      const get = await poll(base(), { sid });
      assert.equal(get.status, 200);
      assert.equal(get.body, "6", "GET during the upgrade must be answered with a noop");
      s.send("5");
      s.send("4hello");
      assert.equal(await s.nextNonPing(2000, "echo after the upgrade"), "4hello");
    });

    it("upgrade: a pending GET is answered with 6 when the probe arrives", async () => {
      const { sid } = await openPolling(base());
      const pending = poll(base(), { sid });
      await sleep(20);
      const s = raw.open(wsUrl(`&sid=${sid}`));
      await s.opened();
      s.send("2probe");
      assert.equal(await s.next(2000, "3probe"), "3probe");
      const get = await pending;
      assert.equal(get.status, 200);
      assert.equal(get.body, "6");
      s.send("5");
    });

    it("upgrade: afterwards polling with that sid gets 400 and the WebSocket keeps working", async () => {
      const { sid } = await openPolling(base());
      const s = raw.open(wsUrl(`&sid=${sid}`));
      await s.opened();
      s.send("2probe");
      assert.equal(await s.next(2000, "3probe"), "3probe");
      s.send("5");
      assert.equal((await poll(base(), { sid })).status, 400, "GET after the upgrade");
      s.send("4hello");
      assert.equal(await s.nextNonPing(2000, "echo after the upgrade"), "4hello");
    });

    it("upgrade: a second WebSocket with the same sid is refused or closed", async () => {
      const { sid } = await openPolling(base());
      const s = raw.open(wsUrl(`&sid=${sid}`));
      await s.opened();
      s.send("2probe");
      assert.equal(await s.next(2000, "3probe"), "3probe");
      s.send("5");
      const s2 = raw.open(wsUrl(`&sid=${sid}`));
      await s2.closed(3000, "refusal of a second WebSocket for the sid");
      s.send("4still");
      assert.equal(await s.nextNonPing(2000, "echo on the first WebSocket"), "4still");
    });

    it("upgrade: packets sent before the upgrade are not lost", async () => {
      const { sid } = await openPolling(base());
      assert.equal((await poll(base(), { sid, method: "POST", body: "4before" })).body, "ok");
      const s = raw.open(wsUrl(`&sid=${sid}`));
      await s.opened();
      s.send("2probe");
      assert.equal(await s.next(2000, "3probe"), "3probe");
      // "4before" is either flushed by a GET during the upgrade or sent over the WebSocket after 5
      const get = await poll(base(), { sid });
      assert.equal(get.status, 200);
      s.send("5");
      const seen = get.body.split("\x1e").filter((p) => p !== "6" && p !== "2");
      if (!seen.includes("4before")) {
        assert.equal(await s.nextNonPing(2000, "4before over the WebSocket"), "4before");
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe("Socket.IO v5 at /socket.io/", () => {
    const base = () => `${http}/socket.io/`;
    const wsUrl = () => `${wsBase}/socket.io/?EIO=4&transport=websocket`;

    /** WebSocket + Engine.IO open; pings are answered automatically unless autoPong is false. */
    async function engine({ autoPong = true } = {}) {
      const s = raw.open(wsUrl(), { autoPong });
      assertOpenPacket(await s.next(2000, "open packet"), []);
      return s;
    }
    /** engine() + CONNECT to nsp; resolves { s, sid }. */
    async function connected(nsp = "/", auth) {
      const s = await engine();
      const prefix = nsp === "/" ? "" : `${nsp},`;
      s.send(`40${prefix}${auth ? JSON.stringify(auth) : ""}`);
      const reply = await s.next(2000, "CONNECT reply");
      assert.ok(reply.startsWith(`40${prefix}`), `CONNECT reply ${JSON.stringify(reply)}`);
      const body = JSON.parse(reply.slice(2 + prefix.length));
      assert.deepEqual(Object.keys(body), ["sid"], `CONNECT reply must hold exactly sid: ${reply}`);
      assert.equal(typeof body.sid, "string");
      assert.equal(await s.next(2000, "auth event"), `42${prefix}["auth",${JSON.stringify(auth || {})}]`);
      return { s, sid: body.sid };
    }

    it("CONNECT to / answers 40{sid} then 42[\"auth\",{}]", async () => {
      await connected("/");
    });

    it("CONNECT to / with a payload echoes it in auth", async () => {
      await connected("/", { token: "123" });
    });

    it("CONNECT to /custom, with and without the trailing comma", async () => {
      await connected("/custom");
      const s = await engine();
      s.send("40/custom");
      const reply = await s.next(2000, "CONNECT reply for 40/custom");
      assert.ok(reply.startsWith("40/custom,"), reply);
      assert.deepEqual(Object.keys(JSON.parse(reply.slice(10))), ["sid"]);
      assert.equal(await s.next(2000, "auth"), '42/custom,["auth",{}]');
    });

    it("CONNECT to /custom with a payload", async () => {
      await connected("/custom", { token: "abc" });
    });

    it("the Socket.IO sid differs per namespace on one connection", async () => {
      const { s, sid } = await connected("/");
      s.send("40/custom,");
      const reply = await s.next(2000, "CONNECT /custom");
      const sid2 = JSON.parse(reply.slice(10)).sid;
      assert.notEqual(sid, sid2);
    });

    it("CONNECT to an unknown namespace: 44/random,{\"message\":\"Invalid namespace\"}", async () => {
      const s = await engine();
      s.send("40/random");
      assert.equal(await s.next(2000, "CONNECT_ERROR"), '44/random,{"message":"Invalid namespace"}');
    });

    it("an invalid first packet (4abc) closes the connection", async () => {
      const s = await engine();
      s.send("4abc");
      await s.closed(3000, "close after 4abc");
    });

    it("no CONNECT at all: the connection is closed", async () => {
      const s = raw.open(wsUrl());
      await s.closed(3000, "close without a CONNECT");
    });

    it("41 on / gets no reply and the session stays open (next frame is a ping)", async () => {
      const s = raw.open(wsUrl());
      await s.next();
      s.send("40");
      await s.next(); // 40{sid}
      await s.next(); // auth
      s.send("41");
      assert.equal(await s.next(2000, "the next ping"), "2");
      s.send("3");
      s.send("40");
      assert.ok((await s.next(2000, "reconnect to /")).startsWith("40{"), "CONNECT after DISCONNECT");
    });

    it("41/custom leaves / working", async () => {
      const { s } = await connected("/");
      s.send("40/custom");
      await s.next(); // 40/custom,{sid}
      await s.next(); // auth
      s.send("41/custom");
      s.send('42["message","message to main namespace"]');
      assert.equal(await s.next(2000, "message-back on /"), '42["message-back","message to main namespace"]');
    });

    it("message echoes as message-back, compact JSON", async () => {
      const { s } = await connected("/");
      s.send('42["message",1,"2",{"3":[true]}]');
      assert.equal(await s.next(2000, "message-back"), '42["message-back",1,"2",{"3":[true]}]');
    });

    it("message with binary attachments echoes placeholders then the frames in order", async () => {
      const { s } = await connected("/");
      s.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      s.send(Uint8Array.from([1, 2, 3]));
      s.send(Uint8Array.from([4, 5, 6]));
      assert.equal(await s.next(2000, "binary event header"),
        '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      const a = await s.next(2000, "attachment 0");
      const b = await s.next(2000, "attachment 1");
      assert.ok(Buffer.isBuffer(a) && Buffer.isBuffer(b), "attachments must be binary frames");
      assert.deepEqual([[...a], [...b]], [[1, 2, 3], [4, 5, 6]]);
    });

    it("message-with-ack is acknowledged with its arguments", async () => {
      const { s } = await connected("/");
      s.send('42456["message-with-ack",1,"2",{"3":[false]}]');
      assert.equal(await s.next(2000, "ack"), '43456[1,"2",{"3":[false]}]');
    });

    it("message-with-ack with binary is acknowledged by a binary ack", async () => {
      const { s } = await connected("/");
      s.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      s.send(Uint8Array.from([1, 2, 3]));
      s.send(Uint8Array.from([4, 5, 6]));
      assert.equal(await s.next(2000, "binary ack header"),
        '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual([...(await s.next(2000, "attachment 0"))], [1, 2, 3]);
      assert.deepEqual([...(await s.next(2000, "attachment 1"))], [4, 5, 6]);
    });

    it("the conformance app also runs on /custom", async () => {
      const { s } = await connected("/custom");
      s.send('42/custom,["message","x"]');
      assert.equal(await s.next(2000, "message-back on /custom"), '42/custom,["message-back","x"]');
      s.send('42/custom,7["message-with-ack","y"]');
      assert.equal(await s.next(2000, "ack on /custom"), '43/custom,7["y"]');
    });

    for (const [name, bad] of [["unknown packet type", "4abc"], ["payload not an array", "42{}"],
                               ["invalid ack id", '42abc["message-with-ack",1,"2",{"3":[false]}]']]) {
      it(`an invalid packet (${name}) closes the connection`, async () => {
        const { s } = await connected("/");
        s.send(bad);
        await s.closed(3000, `close after ${bad}`);
      });
    }

    it("over polling: CONNECT, then message-back with a binary attachment as b64", async () => {
      const { sid } = await openPolling(base());
      const received = [];
      const pull = async (n, what) => {
        const deadline = Date.now() + 3000;
        while (received.length < n) {
          assert.ok(Date.now() < deadline, `timed out waiting for ${what}; got ${JSON.stringify(received)}`);
          const get = await poll(base(), { sid, timeoutMs: 2000 });
          assert.equal(get.status, 200, `GET while waiting for ${what}`);
          for (const p of get.body.split("\x1e")) {
            if (p === "2") assert.equal((await poll(base(), { sid, method: "POST", body: "3" })).status, 200);
            else received.push(p);
          }
        }
      };
      assert.equal((await poll(base(), { sid, method: "POST", body: "40" })).body, "ok");
      await pull(2, "CONNECT reply and auth");
      assert.ok(received[0].startsWith('40{"sid":'), received[0]);
      assert.equal(received[1], '42["auth",{}]');
      const b64 = Buffer.from([7, 8, 9]).toString("base64");
      const post = await poll(base(), { sid, method: "POST",
        body: `451-["message",{"_placeholder":true,"num":0}]\x1eb${b64}` });
      assert.equal(post.body, "ok");
      await pull(4, "binary message-back");
      assert.equal(received[2], '451-["message-back",{"_placeholder":true,"num":0}]');
      assert.equal(received[3], `b${b64}`);
    });
  });
});

// A reader that pauses makes the server's writes end part-way: those continue asynchronously.
// Its own server, with the default heartbeat, so that no ping falls due while it pauses.
describe("WebSocket writes to a client that stops reading", { skip }, () => {
  let server;
  const raw = new RawSockets();
  before(async () => {
    server = await startServer({ conformance: true,
                                 extraArgs: ["--ping-interval", "25000", "--ping-timeout", "20000"] });
  });
  afterEach(() => raw.closeAll());
  after(() => server && server.stop());

  it("every echo arrives, in order, once the client reads again", async () => {
    const s = raw.open(`${server.url.replace(/^http/, "ws")}/engine.io/?EIO=4&transport=websocket`);
    await s.next();
    s.ws._socket.pause();
    // Megabytes of echoes: more than the socket buffers hold while nobody reads.
    const count = 6000;
    const filler = "x".repeat(1000);
    for (let i = 0; i < count; i++) s.send(`4${i}:${filler}`);
    await sleep(300); // the server fills the buffers meanwhile; the checks below hold regardless
    s.ws._socket.resume();
    for (let i = 0; i < count; i++)
      assert.equal(await s.next(), `4${i}:${filler}`, `echo ${i}`);
  });
});
