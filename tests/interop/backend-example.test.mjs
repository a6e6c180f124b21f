// tools/examples/backend: the Python back end (tokens, webhooks, the API) in front of which
// atrium runs, and its demo with the official client, run as a person runs them (run.sh);
// then the back end's own checks: it refuses webhooks that are not signed with the secret.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";
import { ATRIUM_BIN, IS_REFERENCE, REPO, freePort, startProcess } from "./lib/server.mjs";
import { fileWith } from "./lib/backend.mjs";

const skip = IS_REFERENCE ? "the example runs atrium's back-end flags" : false;
const EXAMPLE = resolve(REPO, "tools/examples/backend");

/** Runs `command` to its end (at most `timeoutMs`): { code, output }. */
function run(command, args, env, timeoutMs) {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    const timer = setTimeout(() => { child.kill("SIGKILL"); rej(new Error(`${command} ran past ${timeoutMs} ms:\n${output}`)); }, timeoutMs);
    child.once("exit", (code) => { clearTimeout(timer); res({ code, output }); });
  });
}

describe("the back-end example", { skip }, () => {
  it("run.sh: every device of a user, and an entity's followers only, get what the back end publishes", async () => {
    const [port, apiPort, backendPort] = [await freePort(), await freePort(), await freePort()];
    const { code, output } = await run("bash", [resolve(EXAMPLE, "run.sh")], {
      ATRIUM_BIN, PORT: String(port), API_PORT: String(apiPort), BACKEND_PORT: String(backendPort),
    }, 60_000);
    assert.equal(code, 0, output);
    assert.match(output, /carol may not follow order-7/);
    assert.match(output, /demo: every device of alice got her messages/);
    assert.match(output, /backend: connect \S+ \(user alice\)/);
  });

  describe("backend.py alone", () => {
    const secret = "webhook secret";
    let backend;
    after(() => backend && backend.stop());

    const post = async (path, body, headers = {}) => {
      if (!backend)
        backend = await startProcess("/usr/bin/python3", [
          resolve(EXAMPLE, "backend.py"), "--port", "0",
          "--jwt-secret-file", fileWith("jwt secret\n"), "--webhook-secret-file", fileWith(`${secret}\n`),
          "--api", "http://127.0.0.1:9", "--api-key-file", fileWith("key\n")]);
      const res = await fetch(`${backend.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
      return { status: res.status, body: await res.json() };
    };

    it("answers only webhooks signed with the shared secret", async () => {
      const body = JSON.stringify({ type: "connect", namespace: "/", socket: { id: "x", user: "alice", rooms: [], data: null } });
      const sign = (key, text) => `sha256=${createHmac("sha256", key).update(text).digest("hex")}`;
      assert.equal((await post("/webhooks", body)).status, 401);
      assert.equal((await post("/webhooks", body, { "x-atrium-signature": sign("other", body) })).status, 401);
      assert.equal((await post("/webhooks", `${body} `, { "x-atrium-signature": sign(secret, body) })).status, 401);
      assert.equal((await post("/webhooks", body, { "x-atrium-signature": sign(secret, body) })).status, 200);
    });

    it("issues HS256 tokens for a user that clients may not widen (allow_join: [])", async () => {
      const { status, body } = await post("/login", JSON.stringify({ user: "bob" }));
      assert.equal(status, 200);
      const [header, claims, signature] = body.token.split(".");
      assert.equal(createHmac("sha256", "jwt secret").update(`${header}.${claims}`).digest("base64url"), signature);
      const c = JSON.parse(Buffer.from(claims, "base64url"));
      assert.equal(c.sub, "bob");
      assert.deepEqual(c.allow_join, []);
      assert.ok(c.exp > Date.now() / 1000, "it expires in the future");
    });
  });
});
