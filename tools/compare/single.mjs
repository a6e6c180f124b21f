#!/usr/bin/env node
// One Atrium node against Node's socket.io (the rooms app on the default in-memory adapter),
// every workload of atrium-bench on both, in one run:
//
//   node tools/compare/single.mjs [--runs 3] [--seconds 5] [--connections 10000]
//                                 [--only fanout,fanout-rate,rooms,rooms-narrow,churn,idle] [--out build/compare]
//
// The server is pinned to CPU 0 and atrium-bench to CPU 1, and each workload gets a freshly
// started server. The figures that matter are CPU per delivery or operation (stable on a noisy
// machine) and, for idle, RSS per connection. Medians of --runs runs, except the counts of
// wrong deliveries (lost, duplicated, unexpected, out of order), which are the worst run's: a
// race that shows in one run of three must not vanish in a median. Results as JSON lines, a
// Markdown table and an SVG chart in --out.

import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startPinned } from "./lib/processes.mjs";
import { median, table, worst, writeChart } from "./lib/report.mjs";
import { BENCH_CPU, SERVER_CPU, bin, parseOptions, root, runBench, urlOf } from "./lib/setup.mjs";

function parseArgs(argv) {
  const opts = parseOptions(argv, { runs: 3, seconds: 5, connections: 10000,
                                    only: "fanout,fanout-rate,rooms,rooms-narrow,churn,idle" }, ["only"]);
  opts.only = opts.only.split(",");
  return opts;
}

const servers = {
  atrium: () => startPinned("atrium", SERVER_CPU, bin("atrium"),
                            ["--host", "127.0.0.1", "--port", "0", "--trusted-clients"],
                            { ready: (line) => /^atrium listening on http:/.test(line) }),
  node: () => startPinned("node socket.io", SERVER_CPU, process.execPath,
                          [join(root, "tools/node-server/rooms-server.js"), "--port", "0"],
                          { ready: (line) => /^rooms-server listening on http:/.test(line) }),
};

// Each workload: its atrium-bench arguments, and the figures read from its JSON line, each
// [figure, unit, better, pick] and, for the counts of wrong deliveries, worst: the largest over
// the runs. A line without out_of_order (an older atrium-bench) shows "-" there, not 0.
const lost = (r) => (r.lost ?? 0) + (r.duplicates ?? 0) + (r.unexpected ?? 0);
const outOfOrder = (r) => r.out_of_order;
const roomsWorkload = (opts, window, title) => ({
  title,
  args: ["rooms", "--clients", "1000", "--rooms", "100", "--per-client", "5", "--union", "3",
         "--window", String(window), "--seconds", String(opts.seconds)],
  figures: [
    ["server CPU per delivery", "ns", "lower", (r) => r.server_cpu_ns_per_delivery],
    ["deliveries per second", "1/s", "higher", (r) => r.deliveries_per_s],
    ["lost + duplicated + unexpected", "count", "lower", lost, worst],
    ["out of order", "count", "lower", outOfOrder, worst],
  ],
});
const workloads = (opts) => ({
  "fanout": {
    title: "fanout, 1,000 receivers, saturation",
    args: ["fanout", "--receivers", "1000", "--payload", "100", "--seconds", String(opts.seconds), "--window", "32"],
    figures: [
      ["server CPU per delivery", "ns", "lower", (r) => r.server_cpu_ns_per_delivery],
      ["deliveries per second", "1/s", "higher", (r) => r.deliveries_per_s],
      ["lost + duplicated", "count", "lower", lost, worst],
      ["out of order", "count", "lower", outOfOrder, worst],
    ],
  },
  "fanout-rate": {
    title: "fanout, 1,000 receivers, 200 messages/s",
    args: ["fanout", "--receivers", "1000", "--payload", "100", "--seconds", String(opts.seconds), "--rate", "200"],
    figures: [
      ["latency p99", "ms", "lower", (r) => r.latency_ms && r.latency_ms.p99],
      ["latency p50", "ms", "lower", (r) => r.latency_ms && r.latency_ms.p50],
      ["lost + duplicated", "count", "lower", lost, worst],
      ["out of order", "count", "lower", outOfOrder, worst],
    ],
  },
  // Saturation, as fanout: about as many messages in flight for each client (window 256 of
  // messages reaching ~14 % of the clients) as fanout's window of 32 keeps for each receiver.
  "rooms": roomsWorkload(opts, 256, "rooms, 1,000 clients in 5 of 100 rooms, unions of 3"),
  // The same with a narrow window: a client has 4 or 5 messages waiting at most, so the
  // figure shows the cost of a write per few deliveries rather than the server's maximum.
  "rooms-narrow": roomsWorkload(opts, 32, "rooms as above, window of 32 messages"),
  "churn": {
    title: "churn, 200 clients joining and leaving",
    args: ["churn", "--clients", "200", "--rooms", "50", "--seconds", String(opts.seconds)],
    figures: [
      ["server CPU per join + leave", "ns", "lower", (r) => r.server_cpu_ns_per_op],
      ["joins + leaves per second", "1/s", "higher", (r) => r.ops_per_s],
      ["ack latency p99", "ms", "lower", (r) => r.latency_ms && r.latency_ms.p99],
    ],
  },
  "idle": {
    title: `idle, ${opts.connections.toLocaleString("en-US")} connections`,
    args: ["idle", "--connections", String(opts.connections), "--hold", "2"],
    figures: [
      ["server RSS per connection", "bytes", "lower", (r) => r.server_rss_bytes_per_connection],
      ["connections per second", "1/s", "higher", (r) => r.connect_per_s],
    ],
  },
});

async function runOnce(name, workload, serverName, jsonFile) {
  const server = await servers[serverName]();
  try {
    const args = [...workload.args, "--url", urlOf(server), "--server-pid", String(server.pid),
                  "--label", `${serverName}:${name}`, "--json", jsonFile];
    const result = await runBench(`atrium-bench ${name}`, args, 600_000);
    if (result.code !== 0)
      console.log(`!! atrium-bench ${name} against ${serverName} exited ${result.code ?? result.signal}`);
  } finally {
    await server.stop();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const all = workloads(opts);
  mkdirSync(opts.out, { recursive: true });
  const jsonFile = join(opts.out, "single.jsonl");
  rmSync(jsonFile, { force: true });
  for (let run = 1; run <= opts.runs; run++) {
    for (const name of opts.only) {
      if (!all[name]) throw new Error(`unknown workload ${name}`);
      // Alternate the order so neither side always runs on a warmer machine.
      for (const serverName of run % 2 ? ["atrium", "node"] : ["node", "atrium"]) {
        console.log(`\n== run ${run}/${opts.runs}: ${name} on ${serverName} ==`);
        await runOnce(name, all[name], serverName, jsonFile);
      }
    }
  }

  const results = readFileSync(jsonFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const of = (label, pick, aggregate) => aggregate(results.filter((r) => r.label === label).map(pick));
  const rows = [];
  for (const name of opts.only) {
    for (const [figure, unit, better, pick, aggregate = median] of all[name].figures) {
      rows.push({ figure: `${all[name].title}: ${figure}`, unit, better,
                  atrium: of(`atrium:${name}`, pick, aggregate),
                  other: of(`node:${name}`, pick, aggregate) });
    }
  }
  const otherName = "Node socket.io";
  const text = table(rows, otherName);
  console.log(`\nOne node, server on CPU ${SERVER_CPU}, atrium-bench on CPU ${BENCH_CPU}, ` +
              `medians of ${opts.runs} runs (counts of wrong deliveries: the worst run):\n\n${text}\n`);
  const chart = join(opts.out, "single.svg");
  writeChart(chart, "Atrium and Node's socket.io, one node", rows, otherName);
  appendFileSync(join(opts.out, "single-summary.md"), `${new Date().toISOString()}\n\n${text}\n\n`);
  console.log(`results: ${jsonFile}\nchart:   ${chart}`);
}

main().catch((err) => {
  console.error(`compare/single: ${err.message}`);
  process.exit(1);
});
