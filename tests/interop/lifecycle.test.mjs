// The atrium binary's own life: a SIGTERM closes every client and the process exits with
// status 0. The bound below only catches a hang; the time taken is printed, not judged.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

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

// The scheduling policy of each thread of a process (/proc/PID/task/TID/stat, field 41): 0 is
// Linux's default, 3 SCHED_BATCH.
function threadPolicies(pid) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from field 3 on
    return Number(fields[41 - 3]);
  });
}

describe("atrium threads", { skip: IS_REFERENCE && "atrium's own threads" }, () => {
  it("actor threads run as SCHED_BATCH, the I/O thread does not; normal turns it off", async () => {
    for (const [args, batch] of [[[], true], [["--worker-scheduling", "normal"], false]]) {
      const server = await startServer({ extraArgs: args });
      const clients = new Clients(server.url);
      try {
        await clients.connect("websocket"); // every thread has started by now
        const policies = threadPolicies(server.child.pid);
        const batched = policies.filter((p) => p === 3).length;
        if (batch) {
          assert.ok(batched > 0, `some thread under SCHED_BATCH: ${policies}`);
          assert.ok(policies.includes(0), `the main and I/O threads keep the default: ${policies}`);
        } else {
          assert.equal(batched, 0, `no thread under SCHED_BATCH: ${policies}`);
        }
      } finally {
        await clients.closeAll();
        await server.stop();
      }
    }
  });
});
