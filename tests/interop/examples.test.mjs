// The examples of tools/examples (built against the public API alone) with the official client:
// the chat (refuses nameless clients; enter, say, whisper and exit reach the others, never the
// sender) and the notifications (every device of a user, the subscribers of a project, in
// order, none of the sender's own devices; refuses clients without a user).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { resolve } from "node:path";
import { BIN_DIR, IS_REFERENCE, startProcess } from "./lib/server.mjs";
import { Clients, emitWithAck, once, record, unique } from "./lib/client.mjs";

const skip = IS_REFERENCE ? "the examples are atrium programs; the reference has none" : false;

/** One example server per suite, on a free port of 127.0.0.1, and the clients of each test. */
function useExample(name) {
  const ctx = {};
  before(async () => {
    ctx.server = await startProcess(resolve(BIN_DIR, `atrium-${name}-example`), ["0", "127.0.0.1"]);
    ctx.clients = new Clients(ctx.server.url);
  });
  afterEach(() => ctx.clients && ctx.clients.closeAll());
  after(() => ctx.server && ctx.server.stop());
  return ctx;
}

/** The CONNECT_ERROR a client gets, as its message. */
async function refusal(ctx, auth) {
  const socket = ctx.clients.open("websocket", { auth });
  const [err] = await once(socket, "connect_error", undefined, `refusal of auth ${JSON.stringify(auth)}`);
  assert.equal(socket.connected, false);
  return err.message;
}

describe("chat example", { skip }, () => {
  const ctx = useExample("chat");
  const join = (name, mode = "websocket") => ctx.clients.connect(mode, { auth: { name } });

  it("refuses a client without a name", async () => {
    for (const auth of [undefined, {}, { name: "" }, { name: 42 }]) {
      assert.match(await refusal(ctx, auth), /a name is required/);
    }
  });

  it("enter, say, whisper and exit reach the others, not the sender", async () => {
    const [ada, bob, cy] = [await join("ada"), await join("bob", "polling"), await join("cy")];
    const room = unique("chat");
    const recs = Object.fromEntries(["entered", "said", "whispered", "exited"].flatMap((ev) =>
      [["ada", ada], ["bob", bob], ["cy", cy]].map(([who, s]) => [`${who}.${ev}`, record(s, ev, `${who}`)])));

    assert.equal(await emitWithAck(ada, "enter", room), true);
    assert.equal(await emitWithAck(bob, "enter", room), true);
    await recs["ada.entered"].count(1);
    assert.deepEqual(recs["ada.entered"].items, [[room, "bob"]]);

    ada.emit("say", room, "hello");
    cy.emit("say", room, "not a member: dropped");
    await recs["bob.said"].count(1);
    assert.deepEqual(recs["bob.said"].items, [[room, "ada", "hello"]]);

    ada.emit("whisper", cy.id, "psst");
    await recs["cy.whispered"].count(1);
    assert.deepEqual(recs["cy.whispered"].items, [["ada", "psst"]]);

    bob.emit("exit", room);
    await recs["ada.exited"].count(1);
    assert.deepEqual(recs["ada.exited"].items, [[room, "bob"]]);

    // Nothing else arrived anywhere: not the senders' own events, not cy's (outside the room).
    await Promise.all(Object.values(recs).map((rec) => rec.quiet()));
    assert.equal(recs["bob.entered"].items.length + recs["cy.entered"].items.length, 0);
    assert.equal(recs["ada.said"].items.length + recs["cy.said"].items.length, 0);
    assert.equal(recs["ada.whispered"].items.length + recs["bob.whispered"].items.length, 0);
    assert.equal(recs["bob.exited"].items.length + recs["cy.exited"].items.length, 0);
  });
});

describe("notifications example", { skip }, () => {
  const ctx = useExample("notifications");
  const device = (user, mode = "websocket") => ctx.clients.connect(mode, { auth: { user } });
  const subscribe = async (socket, project) =>
    assert.deepEqual(await emitWithAck(socket, "subscribe", project), { ok: true });

  it("refuses a client without a user", async () => {
    for (const auth of [undefined, {}, { user: "" }, { user: 7 }]) {
      assert.match(await refusal(ctx, auth), /a user is required/);
    }
  });

  it("direct reaches every device of the user, none of the sender's", async () => {
    const [u1, u2] = [unique("user"), unique("user")];
    const phone = await device(u1);
    const laptop = await device(u1, "polling");
    const sender = await device(u2);
    const got = [phone, laptop, sender].map((s, i) => record(s, "direct", ["phone", "laptop", "sender"][i]));

    assert.deepEqual(await emitWithAck(sender, "direct", { user: u1, text: "hi" }), { ok: true });
    await got[0].count(1);
    await got[1].count(1);
    await got[2].quiet();
    for (const rec of got.slice(0, 2)) assert.deepEqual(rec.items, [[{ text: "hi", from: u2 }]]);
    assert.equal(got[0].items.length + got[1].items.length + got[2].items.length, 2);
  });

  it("publish reaches the project's subscribers in order, none of the sender's devices", async () => {
    const [u1, u2, u3] = [unique("user"), unique("user"), unique("user")];
    const project = unique("project");
    const phone = await device(u1);
    const laptop = await device(u1, "polling");
    const follower = await device(u2);
    const follower2 = await device(u2, "polling");
    const stranger = await device(u3);
    for (const s of [phone, laptop, follower, follower2]) await subscribe(s, project);
    const names = ["phone", "laptop", "follower", "follower2", "stranger"];
    const got = [phone, laptop, follower, follower2, stranger].map((s, i) => record(s, "notification", names[i]));

    // Sent back to back, each acked only after all are out: the order is the server's to keep.
    const texts = Array.from({ length: 20 }, (_, i) => `update ${i}`);
    const acks = texts.map((text) => emitWithAck(phone, "publish", { project, text }));
    for (const ack of await Promise.all(acks)) assert.deepEqual(ack, { ok: true });

    const expected = texts.map((text) => [{ project, text, from: u1 }]);
    for (const rec of got.slice(2, 4)) {
      await rec.count(texts.length);
      assert.deepEqual(rec.items, expected);
    }
    await Promise.all([got[0], got[1], got[4]].map((rec) => rec.exactly(0)));
  });

  it("publish and direct without their fields are refused in the ack", async () => {
    const s = await device(unique("user"));
    assert.equal((await emitWithAck(s, "publish", { text: "no project" })).ok, false);
    assert.equal((await emitWithAck(s, "direct", "u1")).ok, false);
    assert.equal((await emitWithAck(s, "subscribe", 42)).ok, false);
  });
});
