// Fan-out at a modest scale: 200 clients in one room, each receiving one emit exactly once, in the
// three client modes.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { startServer } from "./lib/server.mjs";
import { Clients, MODE_NAMES, emitWithAck, record, unique } from "./lib/client.mjs";
import { broadcast, join } from "./lib/app.mjs";

const N = 200;
const WAIT_MS = 20_000;

for (const mode of MODE_NAMES) {
  describe(`fan-out [${mode}]`, () => {
    let server;
    let clients;
    before(async () => {
      server = await startServer();
      clients = new Clients(server.url);
    });
    afterEach(() => clients.closeAll());
    after(() => server && server.stop());

    it(`${N} clients in one room each receive one emit exactly once`, { timeout: 90_000 }, async () => {
      const members = await clients.connectMany(mode, N, { timeoutMs: WAIT_MS });
      const [outsider, sender] = [await clients.connect(mode), await clients.connect(mode)];
      assert.equal(new Set(members.map((s) => s.id)).size, N, "socket ids are unique");
      const r = unique("big");
      await Promise.all(members.map((s) => join(s, r)));
      const recs = members.map((s) => record(s, "fan"));
      const outsiderRec = record(outsider, "fan");
      const senderRec = record(sender, "fan");

      const payload = { n: 1, text: "x".repeat(100) };
      await broadcast(sender, { to: [r], event: "fan", args: [payload] });
      await Promise.all(recs.map((rec) => rec.count(1, WAIT_MS)));
      // then a quiet period: no duplicates anywhere, nothing for non-members
      await recs[0].quiet(500);
      const counts = recs.map((rec) => rec.items.length);
      const wrong = counts.map((c, i) => [i, c]).filter(([, c]) => c !== 1);
      assert.deepEqual(wrong, [], `deliveries per member (index, count) that are not exactly one`);
      for (const rec of recs) assert.deepEqual(rec.items[0], [payload]);
      assert.equal(outsiderRec.items.length, 0, "non-member received the room emit");
      assert.equal(senderRec.items.length, 0, "sender (self:false, not a member) received it");

      // the room lists every member
      const ad = await emitWithAck(sender, "adapter");
      assert.equal(ad.rooms[r].length, N, `room size in the adapter`);
    });
  });
}
