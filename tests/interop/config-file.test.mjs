// atrium --config FILE (atrium only): the real binary started with a real TOML file serves the
// file's port and namespaces and applies its client policy, seen by the official client; a flag
// on the command line overrides the file; a bad file exits 2 naming FILE:LINE; --print-config
// prints what --config reads back; the shipped example parses.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { ATRIUM_BIN, IS_REFERENCE, REPO, freePort, startProcess } from "./lib/server.mjs";
import { Clients, emitWithAck, once } from "./lib/client.mjs";
import { join } from "./lib/app.mjs";

const skip = IS_REFERENCE ? "the config file is atrium's" : false;
const RUN_TIMEOUT_MS = 10_000;

const dir = mkdtempSync(joinPath(tmpdir(), "atrium-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function writeConfig(text) {
  const path = joinPath(dir, `${++files}.toml`);
  writeFileSync(path, text);
  return path;
}

/** Runs atrium to its end (a bad file, --print-config): { code, signal, stdout, stderr }. */
function run(args) {
  return new Promise((res, rej) => {
    const child = spawn(ATRIUM_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`atrium ${args.join(" ")} did not exit within ${RUN_TIMEOUT_MS} ms`));
    }, RUN_TIMEOUT_MS);
    child.once("error", (err) => { clearTimeout(timer); rej(err); });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

/** An Invalid-namespace refusal of `nsp`, or a failed assertion. */
async function assertNotServed(clients, nsp) {
  const s = clients.open("websocket", { nsp });
  const [err] = await once(s, "connect_error", 5000, `connect_error on ${nsp}`);
  assert.equal(err.message, "Invalid namespace", `${nsp} must not be served`);
}

describe("config file", { skip }, () => {
  it("serves the file's port and namespaces with the file's policy", async () => {
    const port = await freePort();
    const file = writeConfig(`
host = "127.0.0.1"
port = ${port}
namespace = ["/chat"]

allow-emit = "none"          # clients broadcast nowhere
allow-join = ["lobby-*"]
`);
    const server = await startProcess(ATRIUM_BIN, ["--config", file]);
    const clients = new Clients(server.url);
    try {
      assert.equal(server.port, port, "the port of the file");
      const chat = await clients.connect("websocket", { nsp: "/chat" });
      await assertNotServed(clients, "/news");
      await join(chat, "lobby-1");
      const refusedJoin = await emitWithAck(chat, "join", "kitchen");
      assert.equal(refusedJoin && refusedJoin.ok, false, "a room allow-join does not match");
      const refusedEmit = await emitWithAck(chat, "emit",
                                            { to: ["lobby-1"], event: "x", args: [] });
      assert.equal(refusedEmit && refusedEmit.ok, false, "allow-emit none refuses a broadcast");
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });

  it("a flag overrides the file; a list on the line replaces the file's", async () => {
    const file = writeConfig(`host = "127.0.0.1"\nport = 1\nnamespace = ["/chat"]\n`);
    // --config after the flags that override it: the line wins wherever --config stands.
    const server = await startProcess(ATRIUM_BIN, ["--port", "0", "--namespace", "/news",
                                                   "--config", file]);
    const clients = new Clients(server.url);
    try {
      assert.notEqual(server.port, 1);
      await clients.connect("websocket", { nsp: "/news" });
      await assertNotServed(clients, "/chat");
    } finally {
      await clients.closeAll();
      await server.stop();
    }
  });

  it("a bad file exits 2 and names FILE:LINE", async () => {
    for (const [text, line, what] of [
      ["port = 3000\n\n[api]\nprot = 1\n", 4, "unknown key"],
      ["port = \"3000\"\n", 1, "takes an integer"],
      ["\nport = 70000\n", 2, "needs a number"],
      ["port = 3000\nport 3001\n", 2, "invalid TOML"],
    ]) {
      const file = writeConfig(text);
      const { code, stderr } = await run(["--config", file]);
      assert.equal(code, 2, `exit status for ${JSON.stringify(text)}; stderr: ${stderr}`);
      assert.ok(stderr.includes(`${file}:${line}: `), `${file}:${line} in: ${stderr}`);
      assert.ok(stderr.includes(what), `"${what}" in: ${stderr}`);
    }
    const missing = joinPath(dir, "missing.toml");
    const { code, stderr } = await run(["--config", missing]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`cannot read config file ${missing}: No such file`));
  });

  it("--print-config prints what --config reads back", async () => {
    const file = writeConfig(`port = 4000\nnamespace = ["/chat"]\n[api]\nport = 8080\n` +
                             `key-file = "/etc/atrium/api.key"\n`);
    const first = await run(["--config", file, "--print-config", "--threads", "2"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^port = 4000$/m);
    assert.match(first.stdout, /^threads = 2$/m);
    assert.match(first.stdout, /^api-key-file = "\/etc\/atrium\/api.key"/m);
    const second = await run(["--config", writeConfig(first.stdout), "--print-config"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
  });

  it("the shipped example parses", async () => {
    const example = resolve(REPO, "tools/atrium.example.toml");
    const { code, stdout, stderr } = await run(["--config", example, "--print-config"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^namespace = \["\/chat", "\/news"\]$/m);
  });
});
