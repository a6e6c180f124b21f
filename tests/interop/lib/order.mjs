// Per-connection delivery order (Socket.IO delivers to each connection in the order the server
// produced): a publisher that keeps a window of acked emits in flight over rotating targets,
// a recorder of every event of a socket in arrival order, and the check that a receiver got
// exactly what it is owed, each once, in order, with a report that says how it differed.

import assert from "node:assert/strict";
import { DEFAULT_TIMEOUT_MS, QUIET_MS, emitWithAck, sleep } from "./client.mjs";

/**
 * The targets a publisher rotates through, given three rooms: each room alone, each pair, and
 * all three. A union must reach a socket in several of its rooms once, at its place in order.
 */
export function rotatingTargets([a, b, c]) {
  return [[a], [b], [c], [a, b], [b, c], [a, c], [a, b, c]];
}

/** The numbers 0..count-1 whose target (targetOf(i), a room list) meets `rooms`. */
export function owed(count, targetOf, rooms) {
  const mine = new Set(rooms);
  const out = [];
  for (let i = 0; i < count; i++) if (targetOf(i).some((r) => mine.has(r))) out.push(i);
  return out;
}

/**
 * Sends `count` acked `emit`s of the rooms app from `socket`, spec(i) for the i-th, keeping
 * `window` of them in flight: each ack lets the next one go. They leave in the order 0, 1, ...
 * (emitWithAck sends synchronously). Resolves once every ack said {ok:true}.
 */
export async function publishWindowed(socket, count, spec, { window = 32 } = {}) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const reply = await emitWithAck(socket, "emit", spec(i));
      assert.deepEqual(reply, { ok: true }, `emit #${i} by ${socket.id}: ack`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/**
 * Records every event `socket` receives, in arrival order, as [event, ...args] (onAny sees
 * them in the order the client decoded them). `until(n)` waits (bounded) for n of them.
 */
export function recordAll(socket, label) {
  const items = [];
  const waiters = new Set();
  socket.onAny((event, ...args) => {
    items.push([event, ...args]);
    for (const w of [...waiters]) w();
  });
  return {
    items,
    label,
    /** Resolves true once n events arrived, false after timeoutMs (the check reports it). */
    until(n, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return new Promise((res) => {
        if (items.length >= n) return res(true);
        const timer = setTimeout(() => { waiters.delete(check); res(false); }, timeoutMs);
        const check = () => {
          if (items.length >= n) { clearTimeout(timer); waiters.delete(check); res(true); }
        };
        waiters.add(check);
      });
    },
  };
}

/**
 * Waits (bounded) until `rec` holds as many events as `want` has, then a quiet period for any
 * extra, then checks that `key` of each (a number by default: the first argument) is exactly
 * `want`, in order.
 */
export async function expectSequence(rec, want, { key = (item) => item[1], timeoutMs,
                                                  quietMs = QUIET_MS } = {}) {
  await rec.until(want.length, timeoutMs);
  await sleep(quietMs);
  assertSequence(rec.items.map(key), want, rec.label);
}

/**
 * expectSequence for several receivers ({rec, want} each) at once; the failure names every
 * receiver whose sequence differs, not just the first.
 */
export async function expectSequences(receivers, { key = (item) => item[1], timeoutMs,
                                                   quietMs = QUIET_MS } = {}) {
  await Promise.all(receivers.map(({ rec, want }) => rec.until(want.length, timeoutMs)));
  await sleep(quietMs);
  const problems = [];
  for (const { rec, want } of receivers) {
    try {
      assertSequence(rec.items.map(key), want, rec.label);
    } catch (err) {
      problems.push(err.message);
    }
  }
  if (problems.length) assert.fail(problems.join("\n"));
}

/**
 * `got` must equal `want` (distinct values, in the order they were produced). When it does not,
 * the message says how many were missing, duplicated, unexpected and out of order (delivered
 * after a value produced later), and shows the first place where they part.
 */
export function assertSequence(got, want, label) {
  if (got.length === want.length && got.every((v, i) => v === want[i])) return;
  const rank = new Map(want.map((v, i) => [v, i]));
  const seen = new Map();
  let unexpected = 0;
  let late = 0;
  let highest = -1;
  for (const v of got) {
    seen.set(v, (seen.get(v) || 0) + 1);
    if (!rank.has(v)) { unexpected += 1; continue; }
    const r = rank.get(v);
    if (r < highest) late += 1;
    else highest = r;
  }
  const missing = want.filter((v) => !seen.has(v));
  const duplicated = [...seen].filter(([v, n]) => n > 1 && rank.has(v)).length;
  let first = 0;
  while (first < got.length && got[first] === want[first]) first += 1;
  const around = (xs) => JSON.stringify(xs.slice(Math.max(0, first - 3), first + 5));
  assert.fail(`${label}: received ${got.length} of ${want.length} owed; ` +
    `${missing.length} missing${missing.length ? ` (first ${JSON.stringify(missing.slice(0, 5))})` : ""}, ` +
    `${duplicated} duplicated, ${unexpected} unexpected, ${late} out of order; ` +
    `first difference at position ${first}: got ${around(got)}, wanted ${around(want)}`);
}
