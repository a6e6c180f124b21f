// Several atrium processes on loopback forming one cluster: start them, wait (bounded, by
// polling the rooms app's `cluster` event) until the mesh is what a test expects, kill and
// restart nodes, and the rooms app's `emit` with the cluster's `local` flag.
//
// Processes are spawned through tests/interop/lib/server.mjs, whose safety net kills every
// one of them when the test process ends, however it ends.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Clients, ackTimeout, emitWithAck, sleep } from "../../interop/lib/client.mjs";
import { freePort, startClusterNode } from "../../interop/lib/server.mjs";

export const CLUSTER_HOST = "127.0.0.1";
/** How often `cluster` is asked while waiting for the mesh to change. */
export const POLL_MS = 100;
/** Bound on forming a mesh of fresh nodes. */
export const MESH_TIMEOUT_MS = 15_000;
/** Bound on noticing a killed node (the design says "within seconds"). */
export const NOTICE_TIMEOUT_MS = 30_000;
/** Bound on a restarted node being seen again (retries are every second). */
export const REJOIN_TIMEOUT_MS = 20_000;
/** "Nothing more arrives" across nodes: a little longer than the single-node 250 ms. */
export const CLUSTER_QUIET_MS = 400;

const addr = (port) => `${CLUSTER_HOST}:${port}`;

/** Whether every thread of process `pid` is stopped (state T in /proc; gone counts as stopped). */
function allThreadsStopped(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true;
  }
  return tasks.every((task) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
      return stat[stat.lastIndexOf(")") + 2] === "T"; // the state follows the command's ")"
    } catch {
      return true;
    }
  });
}

/**
 * One node of a test cluster. `start()` spawns it (again, after a kill) with the same cluster
 * port and --peer list; the client port is chosen anew each time.
 */
export class ClusterNode {
  constructor(name, { clusterPort, peers = [], namespaces = [], extraArgs = [] }) {
    this.name = name;
    this.clusterPort = clusterPort;
    this.addr = addr(clusterPort);
    this.peers = peers;
    this.namespaces = namespaces;
    this.extraArgs = extraArgs;
    this.server = null;
    this.clients = null;
    this.control = null;
    this.starts = 0;
    this.frozen = false;
  }

  get url() { return this.server && this.server.url; }

  async start() {
    assert.equal(this.server, null, `node ${this.name} is already running`);
    this.server = await startClusterNode({ clusterPort: this.clusterPort, peers: this.peers,
                                           namespaces: this.namespaces, extraArgs: this.extraArgs });
    this.starts += 1;
    this.clients = new Clients(this.server.url);
    // A private connection for `cluster` queries; test clients are separate.
    this.control = await this.clients.connect("websocket");
    return this;
  }

  /** A websocket (or given mode) client of this node, on nsp. */
  connect(mode = "websocket", opts = {}) {
    return this.clients.connect(mode, opts);
  }

  /** Closes every client of this node except the control connection. */
  async closeClients() {
    if (!this.clients) return;
    const keep = this.control;
    for (const s of this.clients.sockets) if (s !== keep) s.disconnect();
    for (const m of this.clients.managers) {
      if (keep && m === keep.io) continue;
      m.engine && m.engine.close();
    }
    this.clients.sockets = new Set(keep ? [keep] : []);
    this.clients.managers = new Set(keep ? [keep.io] : []);
  }

  /** The node's `cluster` ack: the sorted peer addresses it is connected to now. */
  async peersNow() {
    const reply = await emitWithAck(this.control, "cluster", ackTimeout(2_000));
    assert.ok(reply && Array.isArray(reply.peers),
      `node ${this.name}: cluster ack must be {peers: [...]}, got ${JSON.stringify(reply)}`);
    return [...reply.peers].sort();
  }

  /**
   * Polls `cluster` every POLL_MS until the peer list equals `expected` (addresses, any order).
   * Resolves with the milliseconds it took; rejects after timeoutMs with the last list seen.
   */
  async waitPeers(expected, timeoutMs, what = "") {
    const want = [...expected].sort();
    const started = Date.now();
    let last = "(no answer yet)";
    for (;;) {
      try {
        const got = await this.peersNow();
        last = JSON.stringify(got);
        if (JSON.stringify(got) === JSON.stringify(want)) return Date.now() - started;
      } catch (err) {
        last = `error: ${err.message}`;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`node ${this.name} (${this.addr}): peers did not become ` +
          `${JSON.stringify(want)} within ${timeoutMs} ms${what ? ` (${what})` : ""}; ` +
          `last seen ${last}\n--- output of ${this.name} ---\n${this.output()}`);
      }
      await sleep(POLL_MS);
    }
  }

  output() { return this.server ? this.server.output() : "(not running)"; }

  /** Sends `signal` and waits, at most `ms`, for the process to exit; then it is not running. */
  async #exitOn(signal, ms) {
    const { child, exited } = this.server;
    child.kill(signal);
    let timer;
    const result = await Promise.race([exited, new Promise((res) => {
      timer = setTimeout(() => res(null), ms);
    })]);
    clearTimeout(timer);
    assert.ok(result, `node ${this.name} (pid ${child.pid}) did not exit within ${ms} ms of ${signal}`);
    this.server = null;
    this.control = null;
    this.frozen = false;
    return result;
  }

  /** SIGKILL, and waits (bounded) for the process to be gone. */
  async kill() {
    if (!this.server) return;
    const clients = this.clients;
    await this.#exitOn("SIGKILL", 5_000);
    // Its clients (reconnection off) only saw the connection vanish; release them here.
    if (clients) await clients.closeAll();
    this.clients = null;
  }

  /**
   * SIGTERM without closing the clients first (they see the drain close them, as in a rolling
   * restart); resolves with the node's output once it exited 0. Its clients are the test's now.
   */
  async terminate() {
    assert.ok(this.server, `node ${this.name} is not running`);
    const output = this.server.output;
    const { code } = await this.#exitOn("SIGTERM", 15_000);
    assert.equal(code, 0, output());
    this.clients = null;
    return output();
  }

  /**
   * SIGSTOP: the process stays, its sockets stay open, it answers nothing. Resolves once every
   * thread of it has stopped: the stop is asynchronous (on this CI's kernel a process answered
   * a request after kill() had returned, about one time in three), and a test that went on at
   * once would see a "frozen" node answer.
   */
  async freeze() {
    assert.ok(this.server, `node ${this.name} is not running`);
    const { pid } = this.server.child;
    this.server.child.kill("SIGSTOP");
    this.frozen = true;
    const started = Date.now();
    while (!allThreadsStopped(pid)) {
      assert.ok(Date.now() - started < 5_000, `node ${this.name} (pid ${pid}) not stopped 5 s after SIGSTOP`);
      await sleep(1);
    }
  }

  /** SIGCONT after freeze(). */
  thaw() {
    if (!this.server || !this.frozen) return;
    this.server.child.kill("SIGCONT");
    this.frozen = false;
  }

  /** SIGTERM (SIGKILL after 2 s) and closes the clients. */
  async stop() {
    if (!this.server) return;
    this.thaw();
    if (this.clients) await this.clients.closeAll();
    await this.server.stop();
    this.server = null;
    this.clients = null;
    this.control = null;
  }
}

/**
 * Creates `count` nodes named A, B, C, ... with fresh cluster ports. `topology(i, ports)` gives
 * the --peer addresses of node i (default: every node but the first knows the first).
 * Nodes are not started: call startAll or start them one by one.
 */
export async function makeCluster(count, { namespaces = [], topology, extraArgs = [] } = {}) {
  const ports = [];
  while (ports.length < count) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const peersOf = topology || ((i) => (i === 0 ? [] : [addr(ports[0])]));
  const nodes = ports.map((clusterPort, i) => new ClusterNode(String.fromCharCode(65 + i), {
    clusterPort, peers: peersOf(i, ports).map((p) => (typeof p === "number" ? addr(p) : p)),
    namespaces, extraArgs,
  }));
  return nodes;
}

/** Starts nodes in the given order (sequentially, so each one's --peer is already up). */
export async function startAll(nodes) {
  for (const n of nodes) await n.start();
  return nodes;
}

/**
 * Waits until every running node in `nodes` lists exactly the other nodes of `nodes` as peers.
 * Resolves with the time until the last node agreed (ms).
 */
export async function waitMesh(nodes, timeoutMs = MESH_TIMEOUT_MS, what = "full mesh") {
  const started = Date.now();
  await Promise.all(nodes.map((n) => n.waitPeers(
    nodes.filter((o) => o !== n).map((o) => o.addr), timeoutMs, what)));
  return Date.now() - started;
}

export async function stopAll(nodes) {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
}

/**
 * The rooms app's `emit` with the cluster's optional `local` flag (left out when undefined).
 * Asserts the {ok:true} ack.
 */
export async function broadcast(socket, { to = [], except = [], event, args = [], self = false, local }) {
  const spec = { to, except, event, args, self };
  if (local !== undefined) spec.local = local;
  const reply = await emitWithAck(socket, "emit", spec);
  assert.deepEqual(reply, { ok: true },
    `emit ${event} to ${JSON.stringify(to)} by ${socket.id}: ack`);
}
