// Binary payloads (Buffers) through the rooms app, in the three client modes: attachments at the
// top level, nested in objects and arrays, several per packet, empty and large; both directions
// of acks.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import { startServer } from "./lib/server.mjs";
import { Clients, MODE_NAMES, emitWithAck, normalizeBinary, record, unique } from "./lib/client.mjs";
import { broadcast, join } from "./lib/app.mjs";

for (const mode of MODE_NAMES) {
  describe(`binary [${mode}]`, () => {
    let server;
    let clients;
    before(async () => {
      server = await startServer();
      clients = new Clients(server.url);
    });
    afterEach(() => clients.closeAll());
    after(() => server && server.stop());

    const connect = () => clients.connect(mode);

    /** Sends args to a room from another socket; returns what one member received. */
    async function roundTrip(args, { event = "bin" } = {}) {
      const [member, other, sender] = [await connect(), await connect(), await connect()];
      const r = unique();
      await join(member, r);
      await join(other, r);
      const rec = record(member, event);
      const rec2 = record(other, event);
      await broadcast(sender, { to: [r], event, args });
      await rec.exactly(1);
      await rec2.exactly(1, { quietMs: 0 });
      assert.deepEqual(normalizeBinary(rec2.items[0]), normalizeBinary(args), "second member's copy");
      return normalizeBinary(rec.items[0]);
    }

    it("a Buffer argument reaches room members unchanged", async () => {
      const args = [Buffer.from([1, 2, 3, 4, 255, 0])];
      const got = await roundTrip(args);
      assert.ok(Buffer.isBuffer(got[0]), `received ${typeof got[0]}, not binary`);
      assert.deepEqual(got, args);
    });

    it("several attachments, nested in objects and arrays, mixed with text", async () => {
      const args = [
        { file: Buffer.from("first"), meta: { name: "x", parts: [Buffer.from([9, 8, 7]), 3, Buffer.from("third")] } },
        "plain text",
        Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        [1, { deep: { deeper: Buffer.from("fifth") } }],
      ];
      assert.deepEqual(await roundTrip(args), args);
    });

    it("an object that looks like a placeholder stays a plain object next to real binary", async () => {
      const args = [{ _placeholder: false, num: 0 }, Buffer.from([1])];
      assert.deepEqual(await roundTrip(args), args);
    });

    it("an empty Buffer", async () => {
      const args = [Buffer.alloc(0), "after-empty"];
      assert.deepEqual(await roundTrip(args), args);
    });

    it("a 256 KiB Buffer", async () => {
      const args = [randomBytes(256 * 1024)];
      const got = await roundTrip(args);
      assert.equal(got[0].length, args[0].length);
      assert.ok(got[0].equals(args[0]), "large binary payload altered");
    });

    it("binary to the whole namespace with self:true reaches the sender too", async () => {
      const [a, sender] = [await connect(), await connect()];
      const ev = unique("binall");
      const ra = record(a, ev);
      const rs = record(sender, ev);
      const payload = Buffer.from("to everyone");
      await broadcast(sender, { event: ev, args: [payload], self: true });
      await ra.exactly(1);
      await rs.exactly(1, { quietMs: 0 });
      assert.deepEqual(normalizeBinary(rs.items[0]), [payload]);
      assert.deepEqual(normalizeBinary(ra.items[0]), [payload]);
    });

    it("binary in a private message", async () => {
      const [a, b] = [await connect(), await connect()];
      const rec = record(b, "private message");
      const msg = { body: Buffer.from([5, 6, 7]) };
      a.emit("private message", b.id, msg);
      await rec.exactly(1);
      assert.deepEqual(normalizeBinary(rec.items[0]), [a.id, msg]);
    });

    it("binary both ways through `call`: server emit with binary, client acks with binary", async () => {
      const a = await connect();
      a.on("echo-bin", (buf, obj, cb) => {
        cb(Buffer.concat([Buffer.from(buf), Buffer.from("!")]), { back: obj.inner });
      });
      const reply = await emitWithAck(a, "call", {
        event: "echo-bin", args: [Buffer.from("hey"), { inner: Buffer.from([1, 2]) }],
      });
      assert.deepEqual(normalizeBinary(reply),
        { ok: true, reply: [Buffer.from("hey!"), { back: Buffer.from([1, 2]) }] });
    });

    it("binary packets and text packets keep their order", async () => {
      const [member, sender] = [await connect(), await connect()];
      const r = unique();
      await join(member, r);
      const rec = record(member, "mix");
      const acks = [];
      for (let i = 0; i < 20; i++) {
        const args = i % 2 ? [i, Buffer.from([i])] : [i];
        acks.push(emitWithAck(sender, "emit", { to: [r], except: [], event: "mix", args, self: false }));
      }
      await Promise.all(acks);
      await rec.exactly(20);
      assert.deepEqual(rec.items.map((x) => x[0]), Array.from({ length: 20 }, (_, i) => i));
      for (const [i, buf] of rec.items.filter((x) => x.length === 2)) {
        assert.deepEqual(normalizeBinary(buf), Buffer.from([i]));
      }
    });
  });
}
