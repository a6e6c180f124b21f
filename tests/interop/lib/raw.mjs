// Raw Engine.IO access without socket.io-client: HTTP long-polling through fetch and WebSocket
// through `ws`. Every wait is bounded.

import { WebSocket } from "ws";
import { DEFAULT_TIMEOUT_MS } from "./client.mjs";

/** GET/POST on `${base}?EIO=4&transport=polling[&sid=]`; resolves { status, body }. */
export async function poll(base, { sid, method = "GET", body, query = "", signal, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const url = `${base}?EIO=4&transport=polling${sid ? `&sid=${encodeURIComponent(sid)}` : ""}${query}`;
  return request(url, { method, body, signal, timeoutMs });
}

/** fetch with a timeout; resolves { status, body (text), headers }. */
export async function request(url, { method = "GET", body, signal, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { method, body, signal: combined });
    return { status: res.status, body: await res.text(), headers: res.headers };
  } catch (err) {
    if (timeout.aborted) throw new Error(`${method} ${url}: no response within ${timeoutMs} ms`);
    throw err;
  }
}

/** Opens a polling session; resolves with the parsed open packet. */
export async function openPolling(base) {
  const { status, body } = await poll(base);
  if (status !== 200 || !body.startsWith("0")) {
    throw new Error(`polling handshake failed: HTTP ${status} ${JSON.stringify(body)}`);
  }
  return JSON.parse(body.slice(1));
}

/**
 * A raw WebSocket with a queue of received messages (text as string, binary as Buffer).
 *   await ws.opened()  await ws.next()  await ws.nextNonPing()  await ws.closed()
 * autoPong: answers every "2" with "3" and hides it from the queue.
 */
export function rawWebSocket(url, { autoPong = false } = {}) {
  const ws = new WebSocket(url);
  const queue = [];
  const waiters = [];
  let closeInfo = null;
  const closeWaiters = [];
  let error = null;
  const wake = () => {
    while (waiters.length && (queue.length || closeInfo)) waiters.shift()();
  };
  ws.on("message", (data, isBinary) => {
    const msg = isBinary ? Buffer.from(data) : data.toString("utf8");
    if (autoPong && msg === "2") { ws.send("3"); return; }
    queue.push(msg);
    wake();
  });
  ws.on("error", (err) => { error = err; });
  ws.on("close", (code, reason) => {
    closeInfo = { code, reason: reason.toString() };
    for (const w of closeWaiters.splice(0)) w();
    wake();
  });

  const api = {
    ws,
    queue,
    get isClosed() { return closeInfo !== null; },
    get error() { return error; },
    send(data) { ws.send(data); },
    opened(timeoutMs = DEFAULT_TIMEOUT_MS) {
      if (ws.readyState === WebSocket.OPEN) return Promise.resolve();
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`WebSocket ${url} not open within ${timeoutMs} ms`)), timeoutMs);
        ws.once("open", () => { clearTimeout(timer); res(); });
        ws.once("close", () => { clearTimeout(timer); rej(new Error(`WebSocket ${url} closed before opening (${error ? error.message : "no error"})`)); });
      });
    },
    /** The next message; rejects on timeout or when the socket closes first. */
    next(timeoutMs = DEFAULT_TIMEOUT_MS, what = "a message") {
      return new Promise((res, rej) => {
        const take = () => {
          clearTimeout(timer);
          if (queue.length) res(queue.shift());
          else rej(new Error(`WebSocket closed (code ${closeInfo.code}) while waiting for ${what}`));
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(take);
          if (i >= 0) waiters.splice(i, 1);
          rej(new Error(`no WebSocket message within ${timeoutMs} ms while waiting for ${what}`));
        }, timeoutMs);
        waiters.push(take);
        wake();
      });
    },
    /** The next message that is not a ping "2" (pings are not answered). */
    async nextNonPing(timeoutMs = DEFAULT_TIMEOUT_MS, what = "a message") {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const msg = await api.next(Math.max(1, deadline - Date.now()), what);
        if (msg !== "2") return msg;
      }
    },
    /** Resolves with { code, reason } once closed; rejects after timeoutMs. */
    closed(timeoutMs = DEFAULT_TIMEOUT_MS, what = "the server to close the WebSocket") {
      if (closeInfo) return Promise.resolve(closeInfo);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
        closeWaiters.push(() => { clearTimeout(timer); res(closeInfo); });
      });
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.terminate();
    },
  };
  return api;
}

/** Tracks raw WebSockets of a test so that afterEach can terminate them. */
export class RawSockets {
  constructor() { this.all = new Set(); }
  open(url, opts) {
    const s = rawWebSocket(url, opts);
    this.all.add(s);
    return s;
  }
  closeAll() {
    for (const s of this.all) s.close();
    this.all.clear();
  }
}
