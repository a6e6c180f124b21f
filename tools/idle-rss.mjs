// Measures the server's memory per idle connection: starts a server (atrium, or the Node
// reference with --reference), connects N official socket.io clients over WebSocket, lets
// them idle, and reports the server's RSS (from /proc) before and after.
//
//   node tools/idle-rss.mjs [--clients 1000] [--transport websocket|polling] [--reference]
//
// Needs `npm ci` at the repository root and a build (build/bin/atrium).

import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { io } from "socket.io-client";

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
if (argv.includes("--reference")) process.env.ATRIUM_REFERENCE = "node";
// Imported only now: the module reads ATRIUM_REFERENCE when it loads.
const { startServer, serverLabel } = await import("../tests/interop/lib/server.mjs");
const clients = Number(flag("--clients", "1000"));
const transport = flag("--transport", "websocket");

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]);
}

const server = await startServer();
const pid = server.pid;
try {
  await sleep(500); // let the server finish starting its threads
  const before = rssKiB(pid);
  const sockets = [];
  const started = process.hrtime.bigint();
  // Connect in batches of 100 so the client side does not stampede the accept queue.
  for (let i = 0; i < clients; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(clients, i + 100); ++j) {
      const s = io(server.url, { transports: [transport], forceNew: true, reconnection: false });
      sockets.push(s);
      batch.push(new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`client ${j} did not connect`)), 20000);
        s.once("connect", () => { clearTimeout(timer); resolve(); });
        s.once("connect_error", (e) => { clearTimeout(timer); reject(e); });
      }));
    }
    await Promise.all(batch);
  }
  const connectMs = Number(process.hrtime.bigint() - started) / 1e6;
  await sleep(2000); // idle: buffers from the connection phase may shrink back
  const after = rssKiB(pid);
  const perConnection = ((after - before) * 1024) / clients;
  console.log(JSON.stringify({
    server: serverLabel(), transport, clients,
    rss_before_kib: before, rss_after_kib: after,
    bytes_per_connection: Math.round(perConnection),
    connect_rate_per_s: Math.round(clients / (connectMs / 1000)),
  }));
  for (const s of sockets) s.disconnect();
} finally {
  await server.stop();
}
