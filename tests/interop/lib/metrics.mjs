// Scraping atrium's GET /metrics (the Prometheus text format) and checking it with promtool.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request } from "./raw.mjs";
import { until } from "./aftermath.mjs";

export const PROMTOOL = process.env.PROMTOOL || "/usr/bin/promtool";

/**
 * GET `${base}/metrics`: resolves { text, samples }, samples mapping `name{labels}` (as the
 * server wrote it) to its number. Asserts the status and the Content-Type.
 */
export async function scrape(base) {
  const { status, body, headers } = await request(`${base}/metrics`);
  assert.equal(status, 200, `GET ${base}/metrics: HTTP ${status} ${body}`);
  assert.equal(headers.get("content-type"), "text/plain; version=0.0.4");
  return { text: body, samples: parse(body) };
}

export function parse(text) {
  const samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    samples.set(m[1], Number(m[2]));
  }
  return samples;
}

/** The value of sample `key` (`name` or `name{label="v"}`); a missing sample fails. */
export function value(samples, key) {
  assert.ok(samples.has(key), `no sample ${key}`);
  return samples.get(key);
}

/** What each of `keys` moved by from `before` to `after`. */
export function deltas(before, after, keys) {
  return Object.fromEntries(keys.map((k) => [k, value(after, k) - value(before, k)]));
}

/** Scrapes until `pred(samples)` holds (what the server does after an ack is asynchronous). */
export async function scrapeUntil(base, pred, what, timeoutMs = 5000) {
  const got = await until(() => scrape(base), ({ samples }) => pred(samples), what, timeoutMs);
  return got;
}

/** Runs `promtool check metrics` on `text`: resolves { code, output }. */
export function promtool(text) {
  return new Promise((res, rej) => {
    const child = spawn(PROMTOOL, ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    const timer = setTimeout(() => { child.kill("SIGKILL"); rej(new Error("promtool took over 10 s")); }, 10_000);
    child.once("error", (err) => { clearTimeout(timer); rej(new Error(`cannot run ${PROMTOOL}: ${err.message}`)); });
    child.once("exit", (code) => { clearTimeout(timer); res({ code, output }); });
    child.stdin.end(text);
  });
}

/** promtool finds nothing to say about `text`. */
export async function assertPromtoolClean(text, where) {
  const { code, output } = await promtool(text);
  assert.equal(code, 0, `promtool check metrics (${where}) exited ${code}:\n${output}`);
  assert.equal(output.trim(), "", `promtool check metrics (${where}) complains:\n${output}`);
}
