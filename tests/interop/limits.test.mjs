// Connection limits (atrium only): --max-connections and --max-connections-per-address refuse
// the Engine.IO handshake past the bound, over polling and WebSocket alike, keep the clients
// already connected working, and admit new clients again once others have left.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IS_REFERENCE } from "./lib/server.mjs";
import { emitWithAck, once, sleep } from "./lib/client.mjs";
import { roomsOf } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";

const skip = IS_REFERENCE ? "connection limits are atrium's" : false;

/** Connects a fresh client, retrying while the server still counts a client that just left. */
async function connectWhenAdmitted(clients, mode, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = clients.open(mode);
    const outcome = await Promise.race([
      once(s, "connect", timeoutMs).then(() => "connected"),
      once(s, "connect_error", timeoutMs).then(() => "refused"),
    ]);
    if (outcome === "connected") return s;
    s.close();
    if (Date.now() > deadline) throw new Error("still refused after a client left");
    await sleep(50); // the departure is asynchronous on the server: ask again shortly
  }
}

for (const flag of ["--max-connections", "--max-connections-per-address"]) {
  describe(`${flag} 2`, { skip }, () => {
    const ctx = useServer({ extraArgs: [flag, "2"] });

    // Each test starts with connectWhenAdmitted: the previous test's clients may still count.
    it("a third client is refused over polling and WebSocket; the first two keep working", async () => {
      const a = await connectWhenAdmitted(ctx.clients, "websocket");
      const b = await connectWhenAdmitted(ctx.clients, "polling");
      for (const mode of ["polling", "websocket"]) {
        const c = ctx.clients.open(mode);
        const [err] = await once(c, "connect_error", 5000, `connect_error for a third ${mode} client`);
        assert.ok(err instanceof Error, `${mode}: the refusal is a connect_error`);
        c.close();
      }
      assert.deepEqual(await roomsOf(a), [a.id]);
      assert.deepEqual(await roomsOf(b), [b.id]);
      assert.deepEqual(await emitWithAck(a, "join", "still-here"), { ok: true });
    });

    it("a client is admitted again once another has left", async () => {
      const a = await connectWhenAdmitted(ctx.clients, "websocket");
      await connectWhenAdmitted(ctx.clients, "websocket");
      const refused = ctx.clients.open("websocket");
      await once(refused, "connect_error", 5000, "connect_error past the limit");
      refused.close();
      a.close();
      const c = await connectWhenAdmitted(ctx.clients, "websocket");
      assert.deepEqual(await roomsOf(c), [c.id]);
    });
  });
}

describe("--max-namespaces-per-client 2 --max-attachments 1 --max-json-depth 4", { skip }, () => {
  const ctx = useServer({ namespaces: ["/a", "/b"],
                                 extraArgs: ["--max-namespaces-per-client", "2", "--max-attachments", "1",
                                             "--max-json-depth", "4"] });

  it("a connection joins two namespaces; a third gets connect_error, the two keep working", async () => {
    const mode = "websocket";
    const manager = ctx.clients.manager(mode);
    const root = await ctx.clients.connectVia(manager, mode, "/");
    const a = await ctx.clients.connectVia(manager, mode, "/a");
    const b = manager.socket("/b");
    const [err] = await once(b, "connect_error", 5000, "connect_error for a third namespace");
    assert.match(err.message, /Too many namespaces/);
    assert.deepEqual(await roomsOf(root), [root.id]);
    assert.deepEqual(await roomsOf(a), [a.id]);
  });

  it("a packet past the attachment or depth limit closes that connection only", async () => {
    const other = await ctx.clients.connect("websocket");
    for (const args of [[Buffer.from([1]), Buffer.from([2])], [[[[[["deep"]]]]]]]) {
      const s = await ctx.clients.connect("websocket");
      const gone = once(s, "disconnect", 5000, "disconnect after a packet past a limit");
      s.emit("rooms", ...args);
      const [reason] = await gone;
      assert.equal(reason, "transport close");
    }
    assert.deepEqual(await roomsOf(other), [other.id], "another client is unaffected");
  });
});
