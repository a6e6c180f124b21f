// The atrium binary's own life: a SIGTERM closes every client and the process exits with
// status 0. The bound below only catches a hang; the time taken is printed, not judged.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { Clients, MODE_NAMES, once } from "./lib/client.mjs";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";

describe("atrium lifecycle", { skip: IS_REFERENCE && "atrium's own shutdown" }, () => {
  it("SIGTERM closes every client, then exits 0", async (t) => {
    const server = await startServer({ namespaces: ["/chat"] });
    const clients = new Clients(server.url);
    try {
      const sockets = [];
      for (const mode of MODE_NAMES) {
        sockets.push(await clients.connect(mode));
        sockets.push(await clients.connect(mode, { nsp: "/chat" }));
      }
      const gone = sockets.map((s, i) => once(s, "disconnect", 5000, `disconnect of client ${i}`));
      const started = Date.now();
      server.child.kill("SIGTERM");
      const hang = new Promise((res) => {
        setTimeout(() => res({ code: "none: still running after 10 s" }), 10_000).unref();
      });
      const [{ code, signal }] = await Promise.all([Promise.race([server.exited, hang]), ...gone]);
      assert.equal(code, 0, `exit status 0; output:\n${server.output()}`);
      assert.equal(signal, null, "atrium was not killed by a signal");
      t.diagnostic(`exited ${Date.now() - started} ms after SIGTERM`);
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });
});
