// Per-connection delivery order with the official client, in the three client modes: what the
// server produces for one connection reaches it in the order it was produced. Many acked
// emits in flight over rotating rooms and unions; the broadcast a handler makes before its ack
// arrives before that ack; private messages and room broadcasts from one sender keep the
// sender's order. Sizes are such that a server that reorders fails every run.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_TIMEOUT_MS, MODE_NAMES, unique } from "./lib/client.mjs";
import { useServer } from "./lib/fixture.mjs";
import { join } from "./lib/app.mjs";
import {
  expectSequence, expectSequences, owed, publishWindowed, recordAll, rotatingTargets,
} from "./lib/order.mjs";

/** Events of the rotating-rooms test, and how many are in flight at once. */
const ROTATING_EVENTS = 600;
const WINDOW = 32;
/** Rounds of broadcast-then-ack, each waiting for its ack. */
const ROUNDS = 100;
/** Private messages and room broadcasts of the interleaving test, sent without waiting. */
const INTERLEAVED = 300;

/**
 * Emits the rooms app's `emit` with an ack and resolves with the reply and how many events
 * `rec` held when the ack arrived, read in the ack callback itself: a later look would also
 * count events that came after the ack in the same polling payload.
 */
function emitNotingEvents(socket, spec, rec) {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(
      `no ack for emit ${spec.event} from ${socket.id} within ${DEFAULT_TIMEOUT_MS} ms`)),
    DEFAULT_TIMEOUT_MS);
    socket.emit("emit", spec, (reply) => {
      clearTimeout(timer);
      res({ reply, eventsBefore: rec.items.length });
    });
  });
}

/**
 * The kinds a sender interleaves: a fixed pseudo-random sequence (the same every run), so that
 * single messages and runs of each kind follow one another.
 */
function interleaving(n) {
  const kinds = ["pm", "room", "union"];
  const out = [];
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(kinds[(x >>> 16) % 3]);
  }
  return out;
}

for (const mode of MODE_NAMES) {
  describe(`per-socket delivery order [${mode}]`, () => {
    const ctx = useServer();
    const connect = () => ctx.clients.connect(mode);

    it(`${ROTATING_EVENTS} acked emits, ${WINDOW} in flight, to rotating rooms and unions: ` +
       "each receiver gets its own, once each, in the order published", async () => {
      const rooms = [unique("a"), unique("b"), unique("c")];
      const [a, b, c] = rooms;
      const targets = rotatingTargets(rooms);
      const targetOf = (i) => targets[i % targets.length];
      const memberships = { "a+b": [a, b], "b+c": [b, c], "a+c": [a, c], "a+b+c": [a, b, c],
                            "a": [a] };
      const receivers = [];
      for (const [name, mine] of Object.entries(memberships)) {
        const s = await connect();
        await join(s, mine);
        receivers.push({ rec: recordAll(s, `receiver in ${name}`), want: owed(ROTATING_EVENTS, targetOf, mine) });
      }
      const publisher = await connect();
      await publishWindowed(publisher, ROTATING_EVENTS,
        (i) => ({ to: targetOf(i), except: [], event: "ord", args: [i], self: false }),
        { window: WINDOW });
      await expectSequences(receivers);
    });

    for (const union of [false, true]) {
      const what = union ? "to:[r,q] (a union the sender is in twice)" : "to:[r]";
      it(`broadcast then ack from one handler, ${what}: the event arrives before the ack, ` +
         `${ROUNDS} rounds`, async () => {
        const [r, q] = [unique("r"), unique("q")];
        const sender = await connect();
        await join(sender, [r, q]);
        const rec = recordAll(sender, "the sender");
        let ackFirst = 0;
        let firstAt = -1;
        for (let i = 0; i < ROUNDS; i++) {
          const spec = { to: union ? [r, q] : [r], except: [], event: "bt", args: [i], self: true };
          const { reply, eventsBefore } = await emitNotingEvents(sender, spec, rec);
          assert.deepEqual(reply, { ok: true }, `round ${i}: ack`);
          if (eventsBefore < i + 1) {
            ackFirst += 1;
            if (firstAt < 0) firstAt = i;
            // Keep the rounds independent: let this round's event land before the next one.
            await rec.until(i + 1);
          }
        }
        assert.equal(ackFirst, 0,
          `the ack reached the sender before the event it was broadcast after in ${ackFirst} of ` +
          `${ROUNDS} rounds (first in round ${firstAt})`);
        await expectSequence(rec, Array.from({ length: ROUNDS }, (_, i) => i));
      });
    }

    it(`${INTERLEAVED} private messages and room broadcasts (one room, and a union) from one ` +
       "sender, interleaved: the receiver sees them in the sender's order", async () => {
      const [r, q] = [unique("r"), unique("q")];
      const sender = await connect();
      const receiver = await connect();
      await join(receiver, [r, q]);
      const rec = recordAll(receiver, "the receiver");
      const kinds = interleaving(INTERLEAVED);
      kinds.forEach((kind, i) => {
        if (kind === "pm") {
          sender.emit("private message", receiver.id, i);
        } else {
          sender.emit("emit", { to: kind === "room" ? [r] : [r, q], except: [], event: "ord",
                                args: [i], self: false });
        }
      });
      const want = kinds.map((kind, i) => `${kind === "pm" ? "private message" : "ord"} ${i}`);
      await expectSequence(rec, want, {
        key: ([event, ...args]) => `${event} ${event === "private message" ? args[1] : args[0]}`,
      });
      for (const item of rec.items.filter(([event]) => event === "private message")) {
        assert.equal(item[1], sender.id, "a private message names its sender");
      }
    });

    it("a private message, then a broadcast to a room, then one to a union: in that order, " +
       `${ROUNDS} times`, async () => {
      const [r, q] = [unique("r"), unique("q")];
      const sender = await connect();
      const receiver = await connect();
      await join(receiver, [r, q]);
      const rec = recordAll(receiver, "the receiver");
      const want = [];
      for (let i = 0; i < ROUNDS; i++) {
        sender.emit("private message", receiver.id, i);
        sender.emit("emit", { to: [r], except: [], event: "ord", args: [i], self: false });
        sender.emit("emit", { to: [q, r], except: [], event: "ord-union", args: [i], self: false });
        want.push(`private message ${i}`, `ord ${i}`, `ord-union ${i}`);
      }
      await expectSequence(rec, want, {
        key: ([event, ...args]) => `${event} ${event === "private message" ? args[1] : args[0]}`,
      });
    });
  });
}
