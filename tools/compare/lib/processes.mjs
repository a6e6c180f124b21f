// Starting and stopping the processes a comparison measures: each is pinned to a CPU with
// taskset, its output is watched for the line that says it is ready (bounded), and every
// process started is killed when the comparison ends, however it ends.

import { spawn } from "node:child_process";
import { createServer } from "node:net";

const started = new Set();
const killAll = () => {
  for (const child of started) child.kill("SIGKILL");
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `command args` on `cpu` (taskset) and resolves once `ready(line, state)` has returned
 * true for its output (stdout and stderr, line by line), or rejects after `timeoutMs`.
 */
export function startPinned(name, cpu, command, args, { ready, timeoutMs = 20_000 } = {}) {
  const child = spawn("taskset", ["-c", String(cpu), command, ...args],
                      { stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  const lines = [];
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => {
    started.delete(child);
    resolve({ code, signal });
  }));
  const proc = {
    name, child, pid: child.pid, lines, exited,
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill("SIGKILL");
        reject(new Error(`${name}: ${err}\n${lines.slice(-20).join("\n")}`));
      } else {
        resolve(proc);
      }
    };
    const timer = setTimeout(() => finish(`not ready within ${timeoutMs} ms`), timeoutMs);
    const state = {};
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop();
        for (const line of parts) {
          lines.push(line);
          if (lines.length > 1000) lines.shift();
          if (!done && ready && ready(line, state)) finish();
        }
      });
    }
    child.once("exit", (code, signal) => finish(`exited (${code ?? signal}) before it was ready`));
    child.once("error", (err) => finish(err.message));
    if (!ready) finish();
  });
}

/** Runs `command args` on `cpu` to completion; resolves with its exit code and output. */
export async function runPinned(name, cpu, command, args, timeoutMs) {
  const proc = await startPinned(name, cpu, command, args);
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), timeoutMs);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  return { code, signal, output: proc.lines.join("\n") };
}
