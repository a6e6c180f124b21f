#!/usr/bin/env node
// Cross-node broadcast on a cluster of three, Atrium against Node's socket.io with
// @socket.io/redis-adapter and a local redis-server, in one run:
//
//   node tools/compare/cluster.mjs [--receivers 600] [--payload 100] [--seconds 5]
//                                  [--window 32] [--runs 3] [--out build/compare]
//
// Every server process (three atrium nodes; or three Node servers and redis-server) is pinned
// to CPU 0 and atrium-bench to CPU 1. The receivers are spread over the three nodes, one
// publisher on the first, so two thirds of the deliveries cross nodes. The figure that
// matters is the servers' total CPU per delivery (every process of the cluster summed): it
// stays stable on a noisy machine, where rates do not. Medians of --runs runs, except the
// counts of wrong deliveries (lost, duplicated, out of order): the worst run's.

import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, startPinned } from "./lib/processes.mjs";
import { median, table, worst, writeChart } from "./lib/report.mjs";
import { SERVER_CPU, bin, parseOptions, root, runBench, urlOf } from "./lib/setup.mjs";

const NODES = 3;

async function startAtriumCluster() {
  const ports = [];
  for (let i = 0; i < NODES; i++) ports.push(await freePort());
  const nodes = [];
  for (let i = 0; i < NODES; i++) {
    const args = ["--host", "127.0.0.1", "--port", "0", "--trusted-clients",
                  "--cluster-port", String(ports[i])];
    if (i > 0) args.push("--peer", `127.0.0.1:${ports[0]}`);
    nodes.push(startPinned(`atrium ${i + 1}`, SERVER_CPU, bin("atrium"), args, {
      // Ready once it listens for clients and sees both other nodes.
      ready: (line, st) => {
        const url = /^atrium listening on (http:\/\/\S+)/.exec(line);
        if (url) st.url = url[1];
        if (/^atrium cluster: peer \S+ up/.test(line)) st.peers = (st.peers || 0) + 1;
        return Boolean(st.url) && st.peers >= NODES - 1;
      },
    }));
  }
  const procs = await Promise.all(nodes);
  return { procs, urls: procs.map(urlOf) };
}

async function startNodeRedisCluster() {
  const redisPort = await freePort();
  const redis = await startPinned("redis-server", SERVER_CPU, "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { ready: (line) => /Ready to accept connections/.test(line) });
  const servers = await Promise.all(Array.from({ length: NODES }, (_, i) =>
    startPinned(`node ${i + 1}`, SERVER_CPU, process.execPath,
      [join(root, "tools/node-server/rooms-server.js"), "--port", "0",
       "--redis", `redis://127.0.0.1:${redisPort}`],
      { ready: (line) => /^rooms-server listening on http:/.test(line) })));
  return { procs: [...servers, redis], urls: servers.map(urlOf) };
}

async function measure(label, cluster, opts, jsonFile) {
  const args = ["fanout", "--receivers", String(opts.receivers), "--payload", String(opts.payload),
                "--seconds", String(opts.seconds), "--window", String(opts.window),
                "--label", label, "--json", jsonFile];
  for (const url of cluster.urls) args.push("--url", url);
  for (const proc of cluster.procs) args.push("--server-pid", String(proc.pid));
  const limit = (opts.seconds + 60) * 1000;
  const result = await runBench(`atrium-bench (${label})`, args, limit);
  // 1: a check failed (lost, duplicated, out of order): the run measured, and the table tells
  // what went wrong. Anything else (setup failure, a crash) measured nothing.
  if (result.code === 1)
    console.log(`!! atrium-bench against ${label} exited 1: a delivery check failed`);
  else if (result.code !== 0)
    throw new Error(`atrium-bench against ${label} failed (exit ${result.code ?? result.signal})`);
}

async function main() {
  const opts = parseOptions(process.argv.slice(2),
                            { receivers: 600, payload: 100, seconds: 5, window: 32, runs: 3 });
  mkdirSync(opts.out, { recursive: true });
  const jsonFile = join(opts.out, "cluster.jsonl");
  rmSync(jsonFile, { force: true });
  const contenders = [
    ["atrium-cluster", startAtriumCluster],
    ["node-redis-cluster", startNodeRedisCluster],
  ];
  for (let run = 1; run <= opts.runs; run++) {
    // Alternate the order so neither side always runs on a warmer machine.
    const order = run % 2 ? contenders : [...contenders].reverse();
    for (const [label, start] of order) {
      console.log(`\n== run ${run}/${opts.runs}: ${label} ==`);
      const cluster = await start();
      try {
        await measure(label, cluster, opts, jsonFile);
      } finally {
        await Promise.all(cluster.procs.map((p) => p.stop()));
      }
    }
  }

  const results = readFileSync(jsonFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const of = (label, pick, aggregate) => aggregate(results.filter((r) => r.label === label).map(pick));
  const figure = (name, unit, better, pick, aggregate = median) => ({
    figure: name, unit, better,
    atrium: of("atrium-cluster", pick, aggregate), other: of("node-redis-cluster", pick, aggregate),
  });
  const rows = [
    figure("server CPU per delivery, all nodes", "ns", "lower", (r) => r.server_cpu_ns_per_delivery),
    figure("deliveries per second", "1/s", "higher", (r) => r.deliveries_per_s),
    figure("bench CPU per delivery", "ns", "lower", (r) => r.bench_cpu_ns_per_delivery),
    figure("lost + duplicated deliveries", "count", "lower", (r) => r.lost + r.duplicates, worst),
    figure("deliveries out of order", "count", "lower", (r) => r.out_of_order, worst),
  ];
  const otherName = "Node socket.io + redis-adapter";
  const text = table(rows, otherName);
  console.log(`\nCluster of ${NODES}, ${opts.receivers} receivers, ${opts.payload}-byte payloads, ` +
              `window ${opts.window}, medians of ${opts.runs} runs (counts of wrong deliveries: the ` +
              `worst run):\n\n${text}\n`);
  const chart = join(opts.out, "cluster.svg");
  writeChart(chart, `Cross-node broadcast, ${NODES} nodes, ${opts.receivers} receivers`, rows, otherName);
  appendFileSync(join(opts.out, "cluster-summary.md"), `${new Date().toISOString()}\n\n${text}\n\n`);
  console.log(`results: ${jsonFile}\nchart:   ${chart}`);
}

main().catch((err) => {
  console.error(`compare/cluster: ${err.message}`);
  process.exit(1);
});
