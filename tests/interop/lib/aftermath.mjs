// The check after an attack (atrium only: it reads /proc/<pid> and GET /atrium/stats, so the
// server runs with --stats). Before the attack, `prepare` warms the server up, connects two
// veterans (one over WebSocket, one over polling) that join a room, and records the server's
// baseline: RSS, open file descriptors and Engine.IO sessions. After it, `aftermath` checks that
//   (a) the server is alive: its process has not exited and /atrium/stats answers;
//   (b) a fresh official client connects and is served;
//   (c) the veterans still receive a broadcast to their room;
//   (d) the attack's connections are gone (sessions and descriptors back to the baseline) and
//       memory came back down: RSS within baseline + max(16 MB, 25 %).
// The peak RSS during the attack is sampled every 10 ms and logged with the other numbers.
// Every wait is bounded; none of the checks is a timing threshold.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { once, record, sleep, unique } from "./client.mjs";
import { broadcast, join, roomsOf } from "./app.mjs";

export const MB = 1024 * 1024;
/** How far above its baseline the server's RSS may stay after an attack. */
export const rssBound = (baseline) => baseline + Math.max(16 * MB, Math.round(baseline * 0.25));
/** Descriptors the veterans' polling may hold open beyond the baseline (a POST's connection). */
const FD_SLACK = 2;
/** Under a sanitizer (tests/sanitize/run.sh) RSS says nothing: ASan keeps freed memory in its
 * quarantine, and LeakSanitizer checks what was not freed instead. It is logged, not judged. */
const SANITIZED = Boolean(process.env.ATRIUM_SANITIZER);
const SETTLE_MS = 10_000;

/** The server's resident set, in bytes, from /proc/<pid>/status. */
export function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(m, `no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** How many file descriptors the server has open (listener, sockets, event fds, ...). */
export function fdsOf(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const mb = (bytes) => (bytes / MB).toFixed(1);

/** GET on a fresh connection (no keep-alive pool that would hold a descriptor of the server). */
export function httpGet(url, timeoutMs = 5000) {
  return new Promise((res, rej) => {
    const req = http.get(url, { agent: false, headers: { connection: "close" } }, (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (d) => { body += d; });
      r.on("end", () => res({ status: r.statusCode, body }));
      r.on("error", rej);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
  });
}

export async function stats(server) {
  const { status, body } = await httpGet(`${server.url}/atrium/stats`);
  assert.equal(status, 200, `GET /atrium/stats: HTTP ${status} ${body}`);
  return JSON.parse(body);
}

/** Re-evaluates `probe` until `pred` holds of its value; at most timeoutMs. */
export async function until(probe, pred, what, timeoutMs = SETTLE_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (pred(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await sleep(50);
  }
}

/** Samples the server's RSS every `everyMs` until stop(), which returns the peak seen. */
function sampleRss(pid, everyMs = 10) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try { peak = Math.max(peak, rssOf(pid)); } catch { /* the process is gone: (a) says so */ }
  }, everyMs);
  timer.unref(); // a test that fails before stop() must not keep the process alive
  return { stop() { clearInterval(timer); try { peak = Math.max(peak, rssOf(pid)); } catch { /* gone */ } return peak; } };
}

/**
 * A fresh WebSocket client connects, is served (its rooms), joins the veterans' room and
 * broadcasts to it: each veteran receives that broadcast once.
 */
export async function served(ctx, scene, what) {
  // A sanitized server (unoptimized, every access checked) may still be working through what
  // the attack left it: 100,000 room actors to close take it seconds, not a fraction of one.
  const fresh = await ctx.clients.connect("websocket", { timeoutMs: SANITIZED ? 30_000 : 5_000 });
  assert.deepEqual(await roomsOf(fresh), [fresh.id], `a fresh client is served (${what})`);
  for (const v of scene.veterans) assert.ok(v.socket.connected, `the ${v.mode} veteran is still connected (${what})`);
  const event = unique("veteran-news");
  const recs = scene.veterans.map((v) => record(v.socket, event, `the ${v.mode} veteran`));
  await join(fresh, scene.room);
  await broadcast(fresh, { to: [scene.room], event, args: [what] });
  for (const r of recs) await r.count(1);
  for (const r of recs) r.off();
  fresh.disconnect();
}

/**
 * Warms the server up (clients that connect, join, broadcast and leave), connects the veterans
 * and records the baseline. Starts sampling the RSS for the attack's peak.
 */
export async function prepare(ctx, label) {
  const { server } = ctx;
  const warm = await ctx.clients.connectMany("websocket", 20, { parallel: 20 });
  warm.push(...(await ctx.clients.connectMany("polling", 5, { parallel: 5 })));
  const warmRoom = unique("warm-up");
  await Promise.all(warm.map((s) => join(s, warmRoom)));
  const got = record(warm[1], "warm-up");
  await broadcast(warm[0], { to: [warmRoom], event: "warm-up", args: ["x".repeat(10_000)] });
  await got.count(1);
  for (const s of warm) s.disconnect();

  const room = unique(`veterans-${label}`);
  const veterans = [];
  for (const mode of ["websocket", "polling"]) {
    const socket = await ctx.clients.connect(mode);
    await join(socket, room);
    veterans.push({ mode, socket });
  }
  // The warm-up's sessions (and any of an earlier test) are gone; the veterans are counted.
  const { connections } = await until(() => stats(server), (s) => s.connections === veterans.length,
    "the server to hold the veterans' sessions only");
  // The warm-up's connections are closed: the descriptor count holds still for 300 ms.
  let fds = fdsOf(server.pid);
  for (let still = 0, deadline = Date.now() + SETTLE_MS; still < 3 && Date.now() < deadline;) {
    await sleep(100);
    const now = fdsOf(server.pid);
    still = now === fds ? still + 1 : 0;
    fds = now;
  }
  const scene = { label, room, veterans, connections, fds, rss: rssOf(server.pid) };
  scene.sampler = sampleRss(server.pid);
  return scene;
}

/**
 * The after-attack check, (a) to (d) above. `t` (the test context) gets the numbers as a
 * diagnostic. Resolves to { baseline, peak, after } in bytes.
 */
export async function aftermath(ctx, scene, t) {
  const { server } = ctx;
  // (a) alive
  assert.equal(server.child.exitCode, null, `the server exited (code ${server.child.exitCode}):\n${server.output()}`);
  assert.equal(server.child.signalCode, null, `the server died of ${server.child.signalCode}:\n${server.output()}`);
  await stats(server);
  // (d), first half: the attack's sessions and descriptors are gone, then RSS is read.
  await until(() => stats(server), (s) => s.connections === scene.connections,
    `the attack's sessions to go (${scene.connections} before it)`);
  const fds = await until(() => fdsOf(server.pid), (n) => n <= scene.fds + FD_SLACK,
    `the server's descriptors back to ${scene.fds} (+${FD_SLACK})`);
  const bound = rssBound(scene.rss);
  let after = rssOf(server.pid);
  // Freed memory is returned lazily: atrium trims glibc's heaps once a second, and a loaded
  // 2-core machine may be a few trims late.
  const deadline = Date.now() + 5000;
  while (after > bound && Date.now() < deadline) {
    await sleep(100);
    after = rssOf(server.pid);
  }
  const peak = scene.sampler.stop(); // during the attack and the release of what it held
  const numbers = `${scene.label}: RSS baseline ${mb(scene.rss)} MB, peak ${mb(peak)} MB, ` +
                  `after ${mb(after)} MB (bound ${mb(bound)} MB${SANITIZED ? ", not judged under a sanitizer" : ""}); ` +
                  `descriptors ${scene.fds} before, ${fds} after`;
  if (t) t.diagnostic(numbers);
  console.log(`# rss ${numbers}`);
  // (b) and (c)
  await served(ctx, scene, `after ${scene.label}`);
  // (d), second half
  if (!SANITIZED) assert.ok(after <= bound, `memory did not come back down after ${numbers}`);
  return { baseline: scene.rss, peak, after };
}

/** Resolves when `socket` (socket.io-client) disconnects, with the reason. */
export function disconnected(socket, what, timeoutMs = 5000) {
  return once(socket, "disconnect", timeoutMs, what).then(([reason]) => reason);
}
