// What an operator relies on (atrium only): /healthz and /readyz on both ports, the drain at
// SIGTERM (clients closed so that the official client reconnects by itself, new ones refused,
// queued webhooks still delivered, exit 0 within --drain-timeout, a second signal at once),
// --version, and the log: --log-format json records and --log-level.
//
// No timing is judged: the drain deadline is the product's own bound, and the tests only check
// that the process has exited within a generous one.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { io } from "socket.io-client";

import { Clients, emitWithAck, once } from "./lib/client.mjs";
import { api, apiUrl, backend, fileWith } from "./lib/backend.mjs";
import { httpGet, until } from "./lib/aftermath.mjs";
import { openPolling, poll, rawWebSocket } from "./lib/raw.mjs";
import { ATRIUM_BIN, IS_REFERENCE, REPO, freePort, startServer } from "./lib/server.mjs";

const skip = IS_REFERENCE ? "health, drain and logs are atrium's" : false;
const KEY = "api-key-of-the-health-tests";
// Far above any drain these tests wait for: only a hang fails it.
const EXIT_BOUND_MS = 30_000;

/** Resolves with { code, signal } once the server has exited, or rejects after `ms`. */
function exitWithin(server, ms, what) {
  let timer;
  return Promise.race([
    server.exited.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what}: still running ${ms} ms after the signal; output:\n${server.output()}`)), ms);
    }),
  ]);
}

const probe = async (base, path) => {
  const { status, body } = await httpGet(base + path);
  return { status, body: JSON.parse(body) };
};

/** Every line of a --log-format json server's output: the stdout announcements, or JSON records. */
function records(server) {
  const out = [];
  for (const line of server.output().split("\n")) {
    if (line === "" || /^atrium (listening on|API on|cluster: node) /.test(line)) continue;
    let rec;
    assert.doesNotThrow(() => { rec = JSON.parse(line); }, `not a JSON record: ${JSON.stringify(line)}`);
    assert.equal(typeof rec, "object");
    assert.match(rec.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    assert.ok(!Number.isNaN(Date.parse(rec.time)), line);
    assert.ok(["error", "warn", "info", "debug"].includes(rec.level), line);
    assert.equal(typeof rec.msg, "string", line);
    out.push(rec);
  }
  return out;
}

/** A client that reconnects by itself, quickly (the defaults wait up to 5 s between tries). */
function reconnecting(url, transports) {
  return io(url, { transports, upgrade: false, forceNew: true, reconnectionDelay: 100,
                   reconnectionDelayMax: 300, randomizationFactor: 0, timeout: 2000 });
}

describe("atrium --version", { skip }, () => {
  it("prints the project's version and exits 0", async () => {
    const version = /project\(atrium VERSION (\S+)/.exec(readFileSync(`${REPO}/CMakeLists.txt`, "utf8"))[1];
    const { code, stdout } = await new Promise((res) => {
      execFile(ATRIUM_BIN, ["--version"], { timeout: 10_000 }, (err, stdout) => res({ code: err ? err.code : 0, stdout }));
    });
    assert.equal(code, 0);
    assert.equal(stdout, `atrium ${version}\n`);
  });
});

describe("/healthz and /readyz", { skip }, () => {
  it("answer on the main port and on the API listener, without the API key", async () => {
    const server = await startServer({ extraArgs: ["--api-port", "0", "--api-key-file", fileWith(KEY)] });
    try {
      for (const base of [server.url, apiUrl(server)]) {
        assert.deepEqual(await probe(base, "/healthz"), { status: 200, body: { ok: true } }, base);
        assert.deepEqual(await probe(base, "/readyz"), { status: 200, body: { ready: true } }, base);
      }
      // The probes open nothing else: the API still wants its key.
      assert.equal((await api(apiUrl(server), "GET", "/v1/stats", { key: null })).status, 401);
      assert.equal((await api(apiUrl(server), "GET", "/v1/stats", { key: KEY })).status, 200);
    } finally {
      await server.stop();
    }
  });
});

// Holds the webhooks of event "hold" until release() (so that the drain lasts while the test
// looks at it), answers the others at once.
let release;
const held = new Promise((res) => { release = res; });
const hooks = await backend(async ({ json }) => {
  if (json && json.type === "event" && json.event === "hold") await held;
  return { body: {} };
});
after(() => hooks.close());

describe("the drain at SIGTERM", { skip }, () => {

  it("closes clients without DISCONNECT, refuses new ones, delivers queued webhooks, exits 0; the clients reconnect by themselves", async () => {
    const port = await freePort();
    const args = ["--port", String(port), "--drain-timeout", "20000",
                  "--webhook-url", hooks.url, "--webhook-concurrency", "1",
                  "--api-port", "0", "--api-key-file", fileWith(KEY)];
    const server = await startServer({ extraArgs: args });
    const clients = new Clients(server.url);
    let again;
    const wanderers = [];
    try {
      const ws = await clients.connect("websocket");
      const polling = await clients.connect("polling");
      for (const transports of [["websocket"], ["polling"]]) {
        const s = reconnecting(server.url, transports);
        wanderers.push(s);
        await once(s, "connect", 5000, `a reconnecting ${transports[0]} client`);
      }
      // One webhook in flight, held by the back end; with --webhook-concurrency 1 the next
      // ones wait in atrium's queue.
      ws.emit("hold");
      await hooks.waitFor((r) => r.json && r.json.event === "hold", "hold");
      polling.emit("queued-1", 1);
      polling.emit("queued-2", 2);
      await until(async () => (await api(apiUrl(server), "GET", "/v1/stats", { key: KEY })).body.webhooks.queued,
                  (n) => n >= 2, "the two webhooks queued behind the held one");

      const reasons = [ws, polling, ...wanderers].map((s, i) => once(s, "disconnect", 10_000, `disconnect of client ${i}`));
      server.child.kill("SIGTERM");
      const gone = (await Promise.all(reasons)).map(([reason]) => reason);
      // "io server disconnect" would make the official client give up.
      assert.deepEqual(gone, ["transport close", "transport close", "transport close", "transport close"]);

      // Still draining (the held webhook): not ready on either port, alive, new clients refused.
      for (const base of [server.url, apiUrl(server)]) {
        assert.deepEqual(await probe(base, "/readyz"), { status: 503, body: { ready: false, reason: "draining" } }, base);
        assert.equal((await probe(base, "/healthz")).status, 200, base);
      }
      const late = clients.open("websocket");
      const [refusal] = await once(late, "connect_error", 5000, "a new client during the drain");
      assert.ok(refusal instanceof Error);
      const handshake = await httpGet(`${server.url}/socket.io/?EIO=4&transport=polling`);
      assert.deepEqual([handshake.status, JSON.parse(handshake.body)],
                       [503, { code: 4, message: "Server is shutting down" }]);
      assert.match(server.output(), /^atrium: refused connection \(127\.0\.0\.1\): draining: the server is stopping/m);
      assert.equal(server.child.exitCode, null, "still draining while a webhook is in flight");

      release();
      const { code, signal } = await exitWithin(server, EXIT_BOUND_MS, "the drain");
      assert.equal(code, 0, server.output());
      assert.equal(signal, null);
      // Delivered, not answered "shutting down": the back end got them, atrium logged no failure.
      const events = hooks.requests.filter((r) => r.json && r.json.type === "event").map((r) => r.json.event);
      assert.deepEqual(events.filter((e) => e.startsWith("queued")), ["queued-1", "queued-2"]);
      const disconnects = hooks.requests.filter((r) => r.json && r.json.type === "disconnect");
      assert.equal(disconnects.length, 4, "every client's disconnect webhook went out during the drain");
      assert.ok(disconnects.every((r) => r.json.reason === "server shutting down"));
      assert.doesNotMatch(server.output(), /webhook .*failed/);
      assert.match(server.output(), /^atrium: stopping \(SIGTERM\): draining for at most 20000 ms$/m);
      assert.match(server.output(), /^atrium: stopped \(\d+ ms after the signal\)$/m);

      // Restarted on the same port: the clients come back by themselves.
      const back = wanderers.map((s, i) => once(s, "connect", 15_000, `reconnection of client ${i}`));
      again = await startServer({ extraArgs: ["--port", String(port)] });
      await Promise.all(back);
      for (const s of wanderers) assert.equal(s.connected, true);
    } finally {
      for (const s of wanderers) s.close();
      await clients.closeAll();
      await server.stop();
      if (again) await again.stop();
    }
  });

  // The official client pauses its polling once its probe is answered, and its "5" may come
  // after the drain began: no GET will come for the close packet, so waiting for one would
  // hold the drain until its deadline.
  for (const [ending, what] of [["5", "finishes the upgrade"], ["close", "closes its probe"]]) {
    it(`a client caught mid-upgrade that then ${what} does not hold the drain`, async () => {
      const server = await startServer({ extraArgs: ["--drain-timeout", "600000", "--log-level", "debug"] });
      let probeWs;
      try {
        const base = `${server.url}/socket.io/`;
        const { sid } = await openPolling(base);
        assert.equal((await poll(base, { sid, method: "POST", body: "40" })).body, "ok");
        assert.match((await poll(base, { sid })).body, /^40\{"sid":/);
        const waiting = poll(base, { sid }); // the GET the probe's answer ends with a noop
        probeWs = rawWebSocket(`${base.replace("http", "ws")}?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`);
        await probeWs.opened();
        probeWs.send("2probe");
        assert.equal(await probeWs.next(5000, "3probe"), "3probe");
        assert.equal((await waiting).body, "6");
        server.child.kill("SIGTERM");
        await until(() => server.output(), (out) => out.includes(`session closed sid=${sid}`),
                    "the drain to close the session");
        if (ending === "5") {
          probeWs.send("5");
          await probeWs.closed(10_000, "the server to close the upgraded WebSocket");
        } else {
          probeWs.close();
        }
        const { code } = await exitWithin(server, EXIT_BOUND_MS, "the drain");
        assert.equal(code, 0, server.output());
        assert.doesNotMatch(server.output(), /drain timeout/);
      } finally {
        if (probeWs) probeWs.close();
        await server.stop();
      }
    });
  }

  it("abandons what is left at --drain-timeout and still exits 0", async () => {
    const stuck = await backend(() => undefined); // never answers
    const server = await startServer({ extraArgs: ["--drain-timeout", "500", "--webhook-url", stuck.url, "--webhook-events", "never-answered",
                                                   "--webhook-timeout-ms", "60000"] });
    const clients = new Clients(server.url);
    try {
      const s = await clients.connect("websocket");
      s.emit("never-answered");
      await stuck.waitFor((r) => r.json && r.json.event === "never-answered", "the event's webhook");
      server.child.kill("SIGTERM");
      const { code } = await exitWithin(server, EXIT_BOUND_MS, "a drain with a webhook that never ends");
      assert.equal(code, 0, server.output());
      assert.match(server.output(), /^atrium: drain timeout \(500 ms\): abandoning the clients and \d+ webhooks left$/m);
    } finally {
      await clients.closeAll();
      await server.stop();
      await stuck.close();
    }
  });

  it("a second signal exits at once", async () => {
    const stuck = await backend(() => undefined);
    const server = await startServer({ extraArgs: ["--drain-timeout", "600000", "--webhook-url", stuck.url, "--webhook-events", "never-answered",
                                                   "--webhook-timeout-ms", "600000"] });
    const clients = new Clients(server.url);
    try {
      const s = await clients.connect("websocket");
      s.emit("never-answered");
      await stuck.waitFor((r) => r.json && r.json.event === "never-answered", "the event's webhook");
      const closed = once(s, "disconnect", 10_000, "the drain closing the client");
      server.child.kill("SIGTERM");
      await closed; // draining now, held by the webhook for up to 10 minutes
      server.child.kill("SIGINT");
      const { code } = await exitWithin(server, EXIT_BOUND_MS, "a second signal");
      assert.equal(code, 1, server.output());
      assert.match(server.output(), /^atrium: SIGINT again: exiting at once$/m);
    } finally {
      await clients.closeAll();
      await server.stop();
      await stuck.close();
    }
  });
});

describe("--log-format json and --log-level", { skip }, () => {
  it("every line is a JSON record: start, refusal, close with its reason, webhook failure, stop", async () => {
    const dead = `http://127.0.0.1:${await freePort()}/hook`; // nothing listens there
    const server = await startServer({ extraArgs: ["--log-format", "json", "--max-connections", "1",
                                                   "--webhook-url", dead, "--webhook-events", "connect"] });
    const clients = new Clients(server.url);
    try {
      const s = await clients.connect("websocket");
      const refused = clients.open("polling");
      await once(refused, "connect_error", 5000, "a client past --max-connections");
      // A client that breaks the protocol (an Engine.IO message that is no Socket.IO packet)
      // is closed, and its close logged with the rule.
      const sid = s.io.engine.id;
      const closed = once(s, "disconnect", 5000, "the close of a client that broke the protocol");
      s.io.engine.write("abc");
      await closed;
      await until(async () => records(server), (rs) => rs.some((r) => r.msg === "webhook failed"),
                  "the webhook failure's record");
      server.child.kill("SIGTERM");
      assert.equal((await exitWithin(server, EXIT_BOUND_MS, "the stop")).code, 0);

      const rs = records(server);
      const first = (msg) => rs.find((r) => r.msg === msg) || assert.fail(`no "${msg}" record in:\n${server.output()}`);
      const started = first("started");
      assert.equal(started.level, "info");
      assert.equal(started.port, server.port);
      assert.match(started.version, /^\d+\.\d+\.\d+/);
      const refusal = first("refused connection");
      assert.equal(refusal.level, "warn");
      assert.equal(refusal.reason, "too many connections");
      assert.equal(refusal.address, "127.0.0.1");
      const close = rs.find((r) => r.msg === "closed session" && r.sid === sid) || assert.fail(server.output());
      assert.equal(close.reason, "protocol error");
      assert.match(close.detail, /unknown_packet_type/);
      const failure = first("webhook failed");
      assert.equal(failure.url, dead);
      assert.equal(failure.error, "connection refused");
      assert.equal(first("stopping").signal, "SIGTERM");
      assert.equal(typeof first("stopped").drain_ms, "number");
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });

  it("a connect hook that fails is a back-end failure record", async () => {
    const dead = `http://127.0.0.1:${await freePort()}/connect`;
    const server = await startServer({ extraArgs: ["--log-format", "json", "--connect-hook-url", dead] });
    const clients = new Clients(server.url);
    try {
      const [err] = await once(clients.open("websocket", { auth: { token: "t" } }), "connect_error", 5000,
                               "a client the hook cannot judge");
      assert.equal(err.message, "authentication unavailable");
      const rec = await until(async () => records(server).find((r) => r.msg === "connect hook failed"),
                              Boolean, "the connect hook's failure record");
      assert.equal(rec.level, "warn");
      assert.equal(rec.url, dead);
      assert.equal(rec.error, "connection refused");
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });

  it("--log-level error leaves out the info and warn records", async () => {
    const server = await startServer({ extraArgs: ["--log-format", "json", "--log-level", "error",
                                                   "--max-connections", "1"] });
    const clients = new Clients(server.url);
    try {
      await clients.connect("websocket");
      await once(clients.open("polling"), "connect_error", 5000, "a client past --max-connections");
      await clients.closeAll();
      server.child.kill("SIGTERM");
      assert.equal((await exitWithin(server, EXIT_BOUND_MS, "the stop")).code, 0);
      // The same scenario logs "started", "refused connection", "stopping" and "stopped" at
      // the default level (the test above); here none of them.
      const rs = records(server);
      assert.deepEqual(rs.filter((r) => r.level !== "error"), [], server.output());
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });
});
