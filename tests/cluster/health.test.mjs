// /readyz of a cluster node (real processes): 503 until its --peer is connected, 200 once the
// two nodes have formed the cluster, 503 again when the peer is gone; and the peer up/down
// records of --log-format json.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { httpGet, until } from "../interop/lib/aftermath.mjs";
import { IS_REFERENCE, freePort, startClusterNode } from "../interop/lib/server.mjs";
import { MESH_TIMEOUT_MS, NOTICE_TIMEOUT_MS } from "./lib/cluster.mjs";

const readyz = async (server) => {
  const { status, body } = await httpGet(`${server.url}/readyz`);
  return { status, body: JSON.parse(body) };
};

const records = (server) => server.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

describe("readiness of a cluster node", { skip: IS_REFERENCE && "atrium's cluster" }, () => {
  it("is 503 until its peer is connected, 200 once formed, 503 when the peer is gone", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startClusterNode({ clusterPort: portA, peers: [`127.0.0.1:${portB}`],
                                       extraArgs: ["--log-format", "json"] });
    let b;
    try {
      // B is not running: A listens but has not formed its cluster.
      const alone = await readyz(a);
      assert.equal(alone.status, 503);
      assert.equal(alone.body.ready, false);
      assert.match(alone.body.reason, /^cluster not formed: 0 of 1 peers connected$/);
      assert.equal((await httpGet(`${a.url}/healthz`)).status, 200, "alive all the same");

      b = await startClusterNode({ clusterPort: portB, peers: [`127.0.0.1:${portA}`] });
      for (const node of [a, b])
        await until(() => readyz(node), (r) => r.status === 200, "the node ready once the cluster formed", MESH_TIMEOUT_MS);
      assert.deepEqual((await readyz(a)).body, { ready: true });

      b.child.kill("SIGKILL");
      await b.exited;
      const lost = await until(() => readyz(a), (r) => r.status === 503, "A not ready once B is gone", NOTICE_TIMEOUT_MS);
      assert.match(lost.body.reason, /^cluster not formed/);

      const peer = `127.0.0.1:${portB}`;
      const up = records(a).find((r) => r.msg === "cluster peer up");
      const down = records(a).find((r) => r.msg === "cluster peer down");
      assert.deepEqual([up && up.peer, up && up.level], [peer, "info"], a.output());
      assert.deepEqual([down && down.peer, down && down.level], [peer, "info"], a.output());
    } finally {
      await a.stop();
      if (b) await b.stop();
    }
  });
});
