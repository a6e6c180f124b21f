// What the back-end tests need besides a server: files for keys and secrets, JWTs signed here
// with Node's crypto (never by the code under test), requests to the server HTTP API, and an
// HTTP server standing in for the application's back end (webhooks, the connect hook).

import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Made at the first file and removed when the test process exits (the servers that read the
// files are gone by then: server.mjs kills any left at exit first).
let dir = null;
let files = 0;

/** A file holding `text`, for --*-file flags. */
export function fileWith(text) {
  if (dir === null) {
    dir = mkdtempSync(join(tmpdir(), "atrium-backend-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(dir, `f${++files}`);
  writeFileSync(path, text);
  return path;
}

const b64url = (data) => Buffer.from(data).toString("base64url");

export const now = () => Math.floor(Date.now() / 1000);

/**
 * A compact JWT of `claims`, with header {alg, typ} (`header` adds or overrides members),
 * signed as `alg` says: HS* with `key` a secret string, RS256 / ES256 with `key` a private
 * KeyObject; "none" leaves the signature empty.
 */
export function jwt(alg, key, claims, header = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: "JWT", ...header }))}.${b64url(JSON.stringify(claims))}`;
  let signature;
  if (alg === "none") signature = "";
  else if (alg.startsWith("HS")) signature = createHmac(`sha${alg.slice(2)}`, key).update(input).digest("base64url");
  else if (alg === "RS256") signature = sign("sha256", Buffer.from(input), key).toString("base64url");
  else if (alg === "ES256") signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  else throw new Error(`unknown alg ${alg}`);
  return `${input}.${signature}`;
}

/** Key pairs: { privateKey, publicPem } for RSA 2048 and EC P-256. */
export function keyPair(kind) {
  const { privateKey, publicKey } = kind === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }) };
}

/** The "API on http://HOST:PORT" base URL a server printed. */
export function apiUrl(server) {
  const m = /API on (http:\/\/[^\s]+)/.exec(server.output());
  assert.ok(m, `the server printed no API address; output:\n${server.output()}`);
  return m[1];
}

/**
 * One request to the server HTTP API: resolves to { status, body (parsed JSON or text),
 * headers }. `key` null sends no Authorization header.
 */
export async function api(base, method, path, { body, key, raw, timeoutMs = 10_000 } = {}) {
  const headers = {};
  if (key !== null && key !== undefined) headers.authorization = `Bearer ${key}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * An HTTP server standing in for the back end: `handler(req, bodyText)` returns
 * { status, body } (an object is sent as JSON) or a promise of it; undefined never answers.
 * Every request is recorded in `requests` ({ path, headers, text, json }); `waitFor(pred)`
 * waits for a recorded one.
 */
export async function backend(handler) {
  const requests = [];
  const waiters = new Set();
  const hanging = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      const entry = { path: req.url, headers: req.headers, text, json };
      requests.push(entry);
      for (const w of waiters) w();
      const answer = await handler(entry);
      if (answer === undefined) { hanging.add(res); return; }
      const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status ?? 200, { "content-type": "application/json" });
      res.end(body);
    });
  });
  await new Promise((res) => server.listen(0, "127.0.0.1", res));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  const waitFor = (pred, what, timeoutMs = 5000) => new Promise((res, rej) => {
    const check = () => {
      const found = requests.find(pred);
      if (found) { waiters.delete(check); clearTimeout(timer); res(found); }
    };
    const timer = setTimeout(() => { waiters.delete(check); rej(new Error(`no webhook ${what} within ${timeoutMs} ms; got ${JSON.stringify(requests.map((r) => r.json))}`)); }, timeoutMs);
    waiters.add(check);
    check();
  });
  const close = () => new Promise((res) => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    server.close(() => res());
  });
  return { url, requests, waitFor, close };
}

/** The X-Atrium-Signature a body must carry under `secret`. */
export const signature = (secret, text) => `sha256=${createHmac("sha256", secret).update(text).digest("hex")}`;
