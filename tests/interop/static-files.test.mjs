// `atrium --static DIR` over raw HTTP (a TCP socket of our own, so that no client normalises
// the request targets): files, index.html, content types, HEAD, 404, a large file, and every
// way out of DIR a request can try (dot segments plain and percent-encoded, encoded slashes,
// symbolic links leading out, hidden files, a FIFO). The Engine.IO path and /atrium/ keep
// priority over files of the same names.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { IS_REFERENCE, startServer } from "./lib/server.mjs";

const skip = IS_REFERENCE ? "--static is atrium's; the reference server has none" : false;
const TIMEOUT_MS = 10_000;

/**
 * Sends `text` as it is on a fresh connection and reads until the server closes it. Resolves to
 * the bytes received.
 */
function exchange(port, text) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${TIMEOUT_MS} ms to ${JSON.stringify(text)}`));
    }, TIMEOUT_MS);
    socket.on("connect", () => socket.write(text));
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", (e) => { clearTimeout(timer); reject(e); });
    socket.on("close", () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
  });
}

/** One response at the start of `bytes`: { status, headers, body, rest }; `head`: no body. */
function parseResponse(bytes, { head = false } = {}) {
  const end = bytes.indexOf("\r\n\r\n");
  assert.ok(end >= 0, `no complete response head in ${JSON.stringify(bytes.toString("latin1").slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  assert.ok(m, `bad status line ${JSON.stringify(statusLine)}`);
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = head ? 0 : Number(headers["content-length"] ?? bytes.length - end - 4);
  const body = bytes.subarray(end + 4, end + 4 + length);
  return { status: Number(m[1]), headers, body, text: body.toString("utf8"), rest: bytes.subarray(end + 4 + length) };
}

/** `METHOD target` on a connection of its own (raw target: sent exactly as given). */
async function request(port, target, { method = "GET" } = {}) {
  const bytes = await exchange(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const res = parseResponse(bytes, { head: method === "HEAD" });
  assert.equal(res.rest.length, 0, `${method} ${target}: bytes after the response`);
  return res;
}

describe("--static DIR", { skip }, () => {
  const secret = `SECRET-${randomBytes(8).toString("hex")}`;
  const big = Buffer.alloc(8 * 1024 * 1024 + 123);
  const files = {
    "index.html": "<!doctype html><title>home</title>",
    "style.css": "body { color: red; }",
    "app.js": "console.log('app');",
    "data.json": '{"ok":true}',
    "notes.txt": "plain words",
    "noext": "what is this",
    "PHOTO.PNG": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]),
    "sub/index.html": "<p>sub</p>",
    "sub/page.html": "<p>page</p>",
    "name with space.txt": "spaced",
    ".hidden": "hidden",
    "socket.io/index.html": "a file named like the Engine.IO path",
    "socket.io/x": "under the Engine.IO path",
    "atrium/stats": "a file named like an atrium endpoint",
  };
  let base;
  let root;
  let server;

  before(async () => {
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 13)) & 0xff;
    base = mkdtempSync(join(tmpdir(), "atrium-static-"));
    root = join(base, "www");
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(root, name, ".."), { recursive: true });
      writeFileSync(join(root, name), content);
    }
    writeFileSync(join(root, "big.bin"), big);
    mkdirSync(join(root, "empty"));
    writeFileSync(join(base, "secret.txt"), secret);
    symlinkSync("index.html", join(root, "link-in.html"));
    symlinkSync("../secret.txt", join(root, "link-out.txt"));
    symlinkSync(base, join(root, "dir-out"));
    symlinkSync("/etc", join(root, "etc-link"));
    execFileSync("mkfifo", [join(root, "fifo.txt")]);
    server = await startServer({ trusted: false, extraArgs: ["--static", root] });
  });
  after(async () => {
    if (server) await server.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("serves files with their content types, index.html for a directory", async () => {
    const expect = {
      "/": ["index.html", "text/html; charset=utf-8"],
      "/index.html": ["index.html", "text/html; charset=utf-8"],
      "/style.css": ["style.css", "text/css; charset=utf-8"],
      "/app.js": ["app.js", "text/javascript; charset=utf-8"],
      "/data.json": ["data.json", "application/json"],
      "/notes.txt": ["notes.txt", "text/plain; charset=utf-8"],
      "/noext": ["noext", "application/octet-stream"],
      "/PHOTO.PNG": ["PHOTO.PNG", "image/png"],
      "/sub/": ["sub/index.html", "text/html; charset=utf-8"],
      "/sub/page.html": ["sub/page.html", "text/html; charset=utf-8"],
      "/sub/page.html?v=3": ["sub/page.html", "text/html; charset=utf-8"],
      "/name%20with%20space.txt": ["name with space.txt", "text/plain; charset=utf-8"],
      "/link-in.html": ["index.html", "text/html; charset=utf-8"],
    };
    for (const [target, [file, type]] of Object.entries(expect)) {
      const res = await request(server.port, target);
      assert.equal(res.status, 200, `GET ${target}`);
      assert.equal(res.headers["content-type"], type, `GET ${target}`);
      assert.equal(res.headers["x-content-type-options"], "nosniff", `GET ${target}`);
      assert.deepEqual(res.body, Buffer.from(files[file]), `GET ${target}`);
      assert.equal(Number(res.headers["content-length"]), res.body.length, `GET ${target}`);
    }
  });

  it("redirects a directory named without its slash", async () => {
    for (const [target, location] of [["/sub", "/sub/"], ["/sub?x=1", "/sub/?x=1"]]) {
      const res = await request(server.port, target);
      assert.equal(res.status, 301, `GET ${target}`);
      assert.equal(res.headers.location, location, `GET ${target}`);
    }
  });

  it("answers HEAD with the length and no body, and the connection goes on", async () => {
    // Pipelined: had the HEAD's answer carried a body, the GET's answer would not follow it.
    const bytes = await exchange(server.port,
      "HEAD /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
      "HEAD /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
      "GET /style.css HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const head = parseResponse(bytes, { head: true });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers["content-length"]), big.length);
    assert.equal(head.headers["content-type"], "application/octet-stream");
    const missing = parseResponse(head.rest, { head: true });
    assert.equal(missing.status, 404);
    const get = parseResponse(missing.rest);
    assert.equal(get.status, 200);
    assert.equal(get.text, files["style.css"]);
    assert.equal(get.rest.length, 0);
  });

  it("streams a large file whole", async () => {
    const res = await fetch(`${server.url}/big.bin`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get("content-length")), big.length);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, big.length);
    const digest = (b) => createHash("sha256").update(b).digest("hex");
    assert.equal(digest(body), digest(big));
  });

  it("answers 404 for what is not a file of DIR", async () => {
    for (const target of ["/missing.html", "/sub/missing", "/empty/", "/index.html/",
                          "/.hidden", "/sub/.hidden", "/fifo.txt", "/etc/passwd", "/etc-link/passwd"]) {
      const res = await request(server.port, target);
      assert.equal(res.status, 404, `GET ${target}: ${res.text}`);
      assert.equal(res.text, "Not Found", `GET ${target}`);
    }
  });

  it("never serves anything outside DIR", async () => {
    const attempts = [
      "/../secret.txt",
      "/../../../../../../etc/passwd",
      "/sub/../../secret.txt",
      "/./../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/.%2e/secret.txt",
      "/%2e./secret.txt",
      "/..%2fsecret.txt",
      "/..%2Fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/sub/..%2f..%2fsecret.txt",
      "/sub%2f..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/..\\secret.txt",
      "/%252e%252e/secret.txt",
      "/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
      "//etc/passwd",
      "http://127.0.0.1/../secret.txt",
      "/link-out.txt",
      "/dir-out/secret.txt",
      "/dir-out/",
    ];
    for (const target of attempts) {
      const res = await request(server.port, target);
      assert.ok([400, 404].includes(res.status), `GET ${target}: HTTP ${res.status}`);
      assert.ok(!res.text.includes(secret) && !res.text.includes("root:"), `GET ${target} leaked: ${res.text}`);
    }
  });

  it("serves only DIR's own files, whatever a path is made of", async () => {
    // Paths assembled from the pieces of every attack above, from a fixed seed (a failure names
    // its path): whatever the server answers, a 200 carries one of DIR's files.
    const pieces = ["..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "sub", "dir-out",
                    "www", "link-out.txt", "link-in.html", "secret.txt", "etc-link", "passwd",
                    "index.html", "", "%2f", "..%2f", "%5c", "..\\", "%00", "empty", "fifo.txt"];
    const served = [...Object.values(files), big].map((c) => Buffer.from(c));
    let seed = 20261207;
    const next = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let i = 0; i < 400; i++) {
      const segments = Array.from({ length: 1 + next(6) }, () => pieces[next(pieces.length)]);
      const target = `/${segments.join(next(4) === 0 ? "%2f" : "/")}`;
      const res = await request(server.port, target);
      assert.ok(!res.text.includes(secret) && !res.text.includes("root:"), `GET ${target} leaked`);
      if (res.status === 200)
        assert.ok(served.some((c) => c.equals(res.body)), `GET ${target}: a 200 that is no file of DIR`);
      else
        assert.ok([301, 400, 404].includes(res.status), `GET ${target}: HTTP ${res.status}`);
    }
  });

  it("refuses malformed escapes and encoded NULs with 400", async () => {
    for (const target of ["/index.html%00", "/index.html%00.png", "/%zz", "/index%2", "/%"]) {
      const res = await request(server.port, target);
      assert.equal(res.status, 400, `GET ${target}`);
    }
  });

  it("answers other methods with 405 and Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await request(server.port, "/index.html", { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, "GET, HEAD", method);
    }
  });

  it("leaves the Engine.IO path and /atrium/ to the server", async () => {
    const open = await request(server.port, "/socket.io/?EIO=4&transport=polling");
    assert.equal(open.status, 200);
    assert.match(open.text, /^0\{"sid":/);
    for (const target of ["/socket.io/", "/socket.io", "/socket.io/x", "/socket%2eio/x",
                          "/socket%2Eio/index.html", "/atrium/stats", "/%61trium/stats", "/atrium"]) {
      const res = await request(server.port, target);
      assert.notEqual(res.status, 200, `GET ${target}: ${res.text}`);
      for (const file of ["socket.io/index.html", "socket.io/x", "atrium/stats"])
        assert.ok(!res.text.includes(files[file]), `GET ${target} served ${file}`);
    }
  });
});

describe("without --static", { skip }, () => {
  let server;
  before(async () => { server = await startServer({ trusted: false }); });
  after(() => server && server.stop());

  it("answers 404 for files", async () => {
    for (const target of ["/", "/index.html"]) {
      const res = await request(server.port, target);
      assert.equal(res.status, 404, target);
    }
  });
});

describe("--static with no such directory", { skip }, () => {
  it("refuses to start, naming it", async () => {
    const missing = join(tmpdir(), `atrium-no-such-dir-${randomBytes(4).toString("hex")}`);
    await assert.rejects(startServer({ extraArgs: ["--static", missing] }),
                         (e) => e.message.includes(missing) && e.message.includes("not a directory")
                           && !e.message.includes("cannot listen")); // the port is not at fault
  });
});
