// socket.io-client helpers: connect in a given transport mode, bounded waits for events and acks,
// recorders that count deliveries and assert that nothing more arrives.

import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";

export const DEFAULT_TIMEOUT_MS = 5_000;
/** How long "nothing more arrives" is observed. Long enough for a loopback round trip. */
export const QUIET_MS = 250;

/** The three client modes every room behaviour runs in. */
export const MODES = {
  websocket: { transports: ["websocket"] },
  polling: { transports: ["polling"], upgrade: false },
  upgrade: {}, // client defaults: polling first, then upgrade to WebSocket
};
export const MODE_NAMES = Object.keys(MODES);

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

let uniqueCounter = 0;
/** A name no other test of this process uses (rooms, events). */
export function unique(prefix = "room") {
  return `${prefix}-${process.pid}-${++uniqueCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Resolves with the array of arguments of the next `event` on `emitter`; rejects with a clear
 * message after timeoutMs.
 */
export function once(emitter, event, timeoutMs = DEFAULT_TIMEOUT_MS, what = "") {
  return new Promise((res, rej) => {
    const handler = (...args) => { clearTimeout(timer); res(args); };
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      rej(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"${what ? ` (${what})` : ""}`));
    }, timeoutMs);
    emitter.once(event, handler);
  });
}

/**
 * Emits `event` with args and resolves with the ack's arguments (a single value when the ack
 * has one argument). Rejects after timeoutMs.
 */
export function emitWithAck(socket, event, ...args) {
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (args.length && args[args.length - 1] && typeof args[args.length - 1] === "object" &&
      args[args.length - 1].__ackTimeout) {
    timeoutMs = args.pop().__ackTimeout;
  }
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(
      `no ack for "${event}" from socket ${socket.id} within ${timeoutMs} ms`)), timeoutMs);
    socket.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      res(reply.length === 1 ? reply[0] : reply);
    });
  });
}
/** Use as the last argument of emitWithAck to change its timeout. */
export const ackTimeout = (ms) => ({ __ackTimeout: ms });

/** Resolves once check() is true (re-checked whenever an entry of `waiters` is called). */
function waitFor(check, waiters, timeoutMs, describe) {
  return new Promise((res, rej) => {
    if (check()) return res();
    const entry = () => {
      if (check()) { clearTimeout(timer); waiters.delete(entry); res(); }
    };
    const timer = setTimeout(() => {
      waiters.delete(entry);
      rej(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
    }, timeoutMs);
    waiters.add(entry);
  });
}

/**
 * Records every delivery of `event` on `socket` (each as the array of its arguments).
 *   rec.items                       all deliveries so far
 *   await rec.count(n)              until at least n deliveries
 *   await rec.until(pred, what)     until pred(items) is true
 *   await rec.quiet(ms)             asserts that nothing more arrives within ms
 *   await rec.exactly(n)            count(n) then quiet(): exactly n deliveries
 */
export function record(socket, event, label = "") {
  const items = [];
  const waiters = new Set();
  const name = `"${event}" on ${label || `socket ${socket.id}`}`;
  const handler = (...args) => {
    items.push(args);
    for (const w of [...waiters]) w();
  };
  socket.on(event, handler);
  const show = () => JSON.stringify(items.map(printable)).slice(0, 2000);
  return {
    items,
    off() { socket.off(event, handler); },
    count(n, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(() => items.length >= n, waiters, timeoutMs,
        () => `expected ${n} deliveries of ${name}, got ${items.length}: ${show()}`);
    },
    until(pred, what, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(() => pred(items), waiters, timeoutMs,
        () => `waiting for ${what} among ${name}; got ${items.length}: ${show()}`);
    },
    async quiet(ms = QUIET_MS) {
      const before = items.length;
      await sleep(ms);
      assert.equal(items.length, before,
        `expected no more deliveries of ${name} within ${ms} ms, got ${items.length - before} more: ` +
        JSON.stringify(items.slice(before).map(printable)).slice(0, 2000));
    },
    async exactly(n, { timeoutMs = DEFAULT_TIMEOUT_MS, quietMs = QUIET_MS } = {}) {
      if (n > 0) await this.count(n, timeoutMs);
      await sleep(quietMs);
      assert.equal(items.length, n,
        `expected exactly ${n} deliveries of ${name}, got ${items.length}: ${show()}`);
    },
  };
}

/** Buffers, ArrayBuffers and typed arrays all become Buffers; everything else stays. */
export function toBuffer(x) {
  if (Buffer.isBuffer(x)) return x;
  if (x instanceof ArrayBuffer) return Buffer.from(x);
  if (ArrayBuffer.isView(x)) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return x;
}
/** Deeply replaces every binary value by a Buffer so received payloads compare with deepEqual. */
export function normalizeBinary(x) {
  const b = toBuffer(x);
  if (Buffer.isBuffer(b)) return b;
  if (Array.isArray(x)) return x.map(normalizeBinary);
  if (x && typeof x === "object") {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalizeBinary(v)]));
  }
  return x;
}
function printable(x) {
  if (Buffer.isBuffer(x) || x instanceof ArrayBuffer || ArrayBuffer.isView(x)) {
    return `<binary ${toBuffer(x).toString("hex").slice(0, 64)}>`;
  }
  if (Array.isArray(x)) return x.map(printable);
  if (x && typeof x === "object") {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, printable(v)]));
  }
  return x;
}

/**
 * Tracks the clients of one server so that each test can close its own afterwards.
 *   const clients = new Clients(server.url);
 *   const s = await clients.connect("websocket", { nsp: "/chat", auth: {...} });
 *   await clients.closeAll();
 */
export class Clients {
  constructor(url) {
    this.url = url;
    this.sockets = new Set();
    this.managers = new Set();
  }

  /** Opens a client socket with its own connection and waits for "connect" (and the upgrade). */
  async connect(mode, { nsp = "/", auth, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const socket = this.open(mode, { nsp, auth });
    await waitConnected(socket, mode, timeoutMs);
    return socket;
  }

  /** Opens a client socket without waiting (for connect_error tests). */
  open(mode, { nsp = "/", auth } = {}) {
    assert.ok(MODES[mode], `unknown client mode ${mode}`);
    const socket = io(this.url + nsp, {
      ...MODES[mode], forceNew: true, reconnection: false, timeout: DEFAULT_TIMEOUT_MS,
      ...(auth ? { auth } : {}),
    });
    this.sockets.add(socket);
    this.managers.add(socket.io);
    watchUpgrade(socket.io);
    return socket;
  }

  /** A Manager (one Engine.IO connection) that several namespace sockets can share. */
  manager(mode) {
    const manager = new Manager(this.url, { ...MODES[mode], reconnection: false,
                                            timeout: DEFAULT_TIMEOUT_MS });
    this.managers.add(manager);
    watchUpgrade(manager);
    return manager;
  }

  /** A socket of `manager` on nsp, connected (and upgraded in "upgrade" mode). */
  async connectVia(manager, mode, nsp, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    // manager.socket() connects by itself (autoConnect); calling connect() again would send a
    // second CONNECT packet for the same namespace.
    const socket = manager.socket(nsp);
    this.sockets.add(socket);
    await waitConnected(socket, mode, timeoutMs);
    return socket;
  }

  /** Connects n clients, at most `parallel` at a time. */
  async connectMany(mode, n, { parallel = 50, ...opts } = {}) {
    const out = [];
    for (let i = 0; i < n; i += parallel) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + parallel); j++) batch.push(this.connect(mode, opts));
      out.push(...(await Promise.all(batch)));
    }
    return out;
  }

  async closeAll() {
    for (const s of this.sockets) s.disconnect();
    for (const m of this.managers) m.engine && m.engine.close();
    this.sockets.clear();
    this.managers.clear();
  }
}

// Records, on the manager, whether its engine upgraded. Attached right after the manager is
// created: the engine exists from then on (autoConnect) and cannot have upgraded yet.
function watchUpgrade(manager) {
  if (manager.__upgradeWatch) return;
  const state = { upgraded: false, error: null, waiters: new Set() };
  manager.__upgradeWatch = state;
  const attach = (engine) => {
    if (!engine || engine.__upgradeWatched) return;
    engine.__upgradeWatched = true;
    engine.on("upgrade", () => { state.upgraded = true; for (const w of state.waiters) w(); });
    engine.on("upgradeError", (err) => { state.error = err; for (const w of state.waiters) w(); });
  };
  attach(manager.engine);
  manager.on("open", () => attach(manager.engine));
}

async function waitConnected(socket, mode, timeoutMs) {
  if (!socket.connected) {
    await new Promise((res, rej) => {
      const timer = setTimeout(() => {
        cleanup();
        rej(new Error(`client (${mode}) did not connect to ${socket.nsp} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnect = () => { cleanup(); res(); };
      const onError = (err) => {
        cleanup();
        rej(new Error(`client (${mode}) got connect_error on ${socket.nsp}: ${err && err.message}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
      };
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
    });
  }
  const manager = socket.io;
  if (mode === "upgrade") {
    const state = manager.__upgradeWatch;
    if (!state.upgraded) {
      await new Promise((res, rej) => {
        const check = () => {
          if (state.upgraded) { cleanup(); res(); }
          else if (state.error) {
            cleanup();
            rej(new Error(`upgrade to websocket failed: ${state.error.message || state.error}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`client did not upgrade to websocket within ${timeoutMs} ms ` +
                        `(transport is still ${manager.engine && manager.engine.transport.name})`));
        }, timeoutMs);
        const cleanup = () => { clearTimeout(timer); state.waiters.delete(check); };
        state.waiters.add(check);
        check();
      });
    }
    assert.equal(manager.engine.transport.name, "websocket",
      "after the upgrade event the engine transport must be websocket");
  } else {
    const expected = mode === "websocket" ? "websocket" : "polling";
    assert.equal(manager.engine.transport.name, expected, `transport in ${mode} mode`);
  }
}
