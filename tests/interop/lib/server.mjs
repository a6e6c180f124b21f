// Spawns the server under test (atrium, or the Node reference when ATRIUM_REFERENCE=node) on
// 127.0.0.1 with an OS-chosen port, and stops it again. Every wait is bounded.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const IS_REFERENCE = process.env.ATRIUM_REFERENCE === "node";
export const ATRIUM_BIN = process.env.ATRIUM_BIN || resolve(REPO, "build/bin/atrium");
export const REFERENCE_SERVER = resolve(REPO, "tools/node-server/rooms-server.js");

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;

// Safety net: whatever happens to the test process, no server outlives it.
const live = new Set();
const killAll = () => {
  for (const child of live) {
    try { child.kill("SIGKILL"); } catch { /* already gone */ }
  }
};
process.on("exit", killAll);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === "SIGHUP" ? 1 : signal === "SIGINT" ? 2 : 15));
  });
}

/** A short description of which server the tests run against, for skip messages and logs. */
export function serverLabel() {
  return IS_REFERENCE ? `reference (${REFERENCE_SERVER})` : `atrium (${ATRIUM_BIN})`;
}

/**
 * Starts a server. Options: namespaces (extra namespaces besides "/"), conformance (atrium only),
 * extraArgs (more command-line flags, appended as given).
 * Resolves to { url, host, port, stop(), output(), exited }.
 */
/**
 * Starts atrium (or the reference server). Atrium's clients are trusted (--trusted-clients)
 * unless `trusted` is false: the tests exercise what the rooms app can do, and the client
 * policy has tests of its own.
 */
export async function startServer({ namespaces = [], conformance = false, extraArgs = [], trusted = true } = {}) {
  const flags = ["--host", "127.0.0.1", "--port", "0"];
  for (const nsp of namespaces) flags.push("--namespace", nsp);
  flags.push(...extraArgs);
  let command;
  let args;
  if (IS_REFERENCE) {
    if (conformance) throw new Error("the reference server has no --conformance mode");
    command = process.execPath;
    args = [REFERENCE_SERVER, ...flags];
  } else {
    if (!existsSync(ATRIUM_BIN)) {
      throw new Error(`atrium binary not found at ${ATRIUM_BIN}: build it, set ATRIUM_BIN, ` +
                      `or run against the reference with ATRIUM_REFERENCE=node`);
    }
    command = ATRIUM_BIN;
    args = conformance ? [...flags, "--conformance"] : flags;
    if (trusted && !conformance) args.push("--trusted-clients");
  }
  return startProcess(command, args);
}

/** The directory of the atrium binary under test, where the other programs of its build are. */
export const BIN_DIR = dirname(ATRIUM_BIN);

/**
 * Starts any server program that prints "listening on http://HOST:PORT" once it listens (the
 * examples in tools/examples, say). Resolves to what startServer resolves to.
 */
export async function startProcess(command, args) {
  if (!existsSync(command)) throw new Error(`${command} not found: build it first`);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let out = "";
  const output = () => out;
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => { out += d; });

  const exited = new Promise((res) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      res({ code, signal });
    });
  });

  const described = `${command} ${args.join(" ")}`;
  let url;
  try {
    url = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(
        `server did not print "listening on http://HOST:PORT" within ${STARTUP_TIMEOUT_MS} ms ` +
        `(${described}); output so far:\n${out}`)), STARTUP_TIMEOUT_MS);
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (https?:\/\/(\[[^\]]+\]|[^\s/:]+):(\d+))/.exec(out);
        if (m) { clearTimeout(timer); res(m[1]); }
      });
      child.once("error", (err) => { clearTimeout(timer); rej(new Error(`cannot start ${described}: ${err.message}`)); });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        rej(new Error(`server exited (code ${code}, signal ${signal}) before listening ` +
                      `(${described}); output:\n${out}`));
      });
    });
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const { hostname, port } = new URL(url);

  let stopping = null;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill("SIGTERM");
        let timer;
        const result = await Promise.race([
          exited,
          new Promise((res) => { timer = setTimeout(() => res(null), STOP_GRACE_MS); }),
        ]);
        clearTimeout(timer);
        if (result) return result;
        child.kill("SIGKILL");
        return exited;
      })();
    }
    return stopping;
  };

  return { url, host: hostname, port: Number(port), pid: child.pid, stop, output, exited, child };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound on port 0, then released). */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Starts one atrium cluster node (atrium only: the reference server has no cluster).
 * Options: clusterPort (required), clusterHost (passed only when given), peers ("HOST:PORT"
 * strings, one --peer each), namespaces. Resolves to what startServer resolves to, plus
 * clusterPort and args (the cluster flags, to restart the node the same way).
 */
export async function startClusterNode({ clusterPort, clusterHost, peers = [], namespaces = [], extraArgs = [] } = {}) {
  if (IS_REFERENCE) throw new Error("the reference server has no cluster mode");
  if (!Number.isInteger(clusterPort)) throw new Error("startClusterNode needs a clusterPort");
  const args = ["--cluster-port", String(clusterPort)];
  if (clusterHost) args.push("--cluster-host", clusterHost);
  for (const peer of peers) args.push("--peer", peer);
  args.push(...extraArgs);
  const server = await startServer({ namespaces, extraArgs: args });
  return { ...server, clusterPort, args };
}
