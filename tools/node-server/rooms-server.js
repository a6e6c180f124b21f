#!/usr/bin/env node
// Reference implementation of Atrium's "rooms app" on socket.io v4 with the default in-memory
// adapter. It is the ground truth the interop tests are validated against (ATRIUM_REFERENCE=node)
// and the baseline for benchmark comparisons, so it stays small and does exactly what the spec
// says, nothing clever.
//
//   node tools/node-server/rooms-server.js [--host 127.0.0.1] [--port 0] [--namespace /chat ...]
//                                          [--redis redis://127.0.0.1:6379]
//                                          [--recovery-window MS]
//
// With --redis, several of these processes form one cluster through @socket.io/redis-adapter
// (the usual way to scale socket.io out): the baseline of Atrium's cluster benchmark.
// --recovery-window turns on socket.io's connectionStateRecovery (maxDisconnectionDuration MS,
// skipMiddlewares), as atrium's flag of the same name: the baseline of the recovery benchmark.
//
// Prints "rooms-server listening on http://HOST:PORT" once bound; exits 0 on SIGTERM/SIGINT.

import { createServer } from "node:http";
import { Server } from "socket.io";

function parseArgs(argv) {
  const opts = { host: "127.0.0.1", port: 0, namespaces: ["/"], redis: null, recoveryWindow: 0 };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    const takeValue = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new Error(`missing value for ${flag}`);
      return argv[++i];
    };
    switch (flag) {
      case "--host": opts.host = takeValue(); break;
      case "--port": opts.port = Number(takeValue()); break;
      case "--namespace": {
        let nsp = takeValue();
        if (!nsp.startsWith("/")) nsp = "/" + nsp;
        if (!opts.namespaces.includes(nsp)) opts.namespaces.push(nsp);
        break;
      }
      case "--redis": opts.redis = takeValue(); break;
      case "--recovery-window": {
        opts.recoveryWindow = Number(takeValue());
        if (!Number.isInteger(opts.recoveryWindow) || opts.recoveryWindow < 0) {
          throw new Error("invalid --recovery-window");
        }
        break;
      }
      case "--conformance":
        throw new Error("--conformance is not supported by the reference server");
      default:
        throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`invalid --port`);
  }
  return opts;
}

const isStringArray = (v) => Array.isArray(v) && v.every((x) => typeof x === "string");
const sorted = (iterable) => Array.from(iterable).sort();
const ackOf = (fn) => (typeof fn === "function" ? fn : () => {});

function setupNamespace(nsp) {
  const watchers = new Set(); // sockets of this namespace that sent `watch`
  const notify = (event) => {
    for (const w of watchers) w.emit("adapter-event", event);
  };
  nsp.adapter.on("create-room", (room) => notify({ type: "create-room", room }));
  nsp.adapter.on("delete-room", (room) => notify({ type: "delete-room", room }));
  nsp.adapter.on("join-room", (room, id) => notify({ type: "join-room", room, id }));
  nsp.adapter.on("leave-room", (room, id) => notify({ type: "leave-room", room, id }));

  // Connection middleware: an auth payload with a string `reject` refuses the connection.
  nsp.use((socket, next) => {
    const reject = socket.handshake.auth && socket.handshake.auth.reject;
    if (typeof reject === "string") next(new Error(reject));
    else next();
  });

  nsp.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      ack = ackOf(ack);
      if (typeof room !== "string" && !isStringArray(room)) {
        return ack({ ok: false, error: "room must be a string or an array of strings" });
      }
      socket.join(room);
      ack({ ok: true });
    });

    socket.on("leave", (room, ack) => {
      ack = ackOf(ack);
      if (typeof room !== "string") {
        return ack({ ok: false, error: "room must be a string" });
      }
      socket.leave(room);
      ack({ ok: true });
    });

    socket.on("emit", (opts, ack) => {
      ack = ackOf(ack);
      if (opts === null || typeof opts !== "object") {
        return ack({ ok: false, error: "options must be an object" });
      }
      const { to = [], except = [], event, args = [], self = false } = opts;
      if (!isStringArray(to) || !isStringArray(except) || typeof event !== "string" ||
          !Array.isArray(args)) {
        return ack({ ok: false, error: "invalid emit options" });
      }
      try {
        if (self) {
          nsp.to(to).except(except).emit(event, ...args);
        } else if (to.length === 0) {
          socket.broadcast.except(except).emit(event, ...args);
        } else {
          socket.to(to).except(except).emit(event, ...args);
        }
      } catch (err) {
        return ack({ ok: false, error: String(err && err.message ? err.message : err) });
      }
      ack({ ok: true });
    });

    socket.on("private message", (id, msg) => {
      if (typeof id !== "string") return;
      socket.to(id).emit("private message", socket.id, msg);
    });

    socket.on("rooms", (ack) => ackOf(ack)(Array.from(socket.rooms)));

    socket.on("adapter", (ack) => {
      const rooms = {};
      for (const [room, sids] of nsp.adapter.rooms) rooms[room] = sorted(sids);
      const sids = {};
      for (const [sid, rs] of nsp.adapter.sids) sids[sid] = sorted(rs);
      ackOf(ack)({ rooms, sids });
    });

    socket.on("watch", (ack) => {
      watchers.add(socket);
      ackOf(ack)({ ok: true });
    });

    socket.on("call", (opts, ack) => {
      ack = ackOf(ack);
      if (opts === null || typeof opts !== "object" || typeof opts.event !== "string") {
        return ack({ ok: false, error: "invalid call options" });
      }
      const args = Array.isArray(opts.args) ? opts.args : [];
      try {
        socket.emit(opts.event, ...args, (...reply) => ack({ ok: true, reply }));
      } catch (err) {
        ack({ ok: false, error: String(err && err.message ? err.message : err) });
      }
    });

    socket.on("server-disconnect", (opts) => {
      socket.disconnect(Boolean(opts && opts.close));
    });

    socket.on("disconnecting", () => {
      // The socket still has its rooms here; the adapter's leave-room/delete-room follow.
      watchers.delete(socket);
      notify({ type: "disconnecting", id: socket.id, rooms: sorted(socket.rooms) });
    });

    socket.on("disconnect", (reason) => {
      watchers.delete(socket);
      notify({ type: "disconnect", id: socket.id, reason, rooms: sorted(socket.rooms) });
    });
  });
}

// The adapter must be in place before any namespace exists: each namespace builds its own.
async function redisAdapter(url) {
  const [{ createClient }, { createAdapter }] = await Promise.all([
    import("redis"), import("@socket.io/redis-adapter"),
  ]);
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) {
    client.on("error", (err) => console.error(`rooms-server: redis: ${err.message}`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  return createAdapter(pub, sub);
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`rooms-server: ${err.message}`);
    process.exit(2);
  }

  const httpServer = createServer();
  const io = new Server(httpServer, opts.recoveryWindow > 0
    ? { connectionStateRecovery: { maxDisconnectionDuration: opts.recoveryWindow, skipMiddlewares: true } }
    : {});
  if (opts.redis) io.adapter(await redisAdapter(opts.redis));
  for (const name of opts.namespaces) setupNamespace(io.of(name));

  httpServer.on("error", (err) => {
    console.error(`rooms-server: ${err.message}`);
    process.exit(1);
  });
  httpServer.listen(opts.port, opts.host, () => {
    const { address, port } = httpServer.address();
    const host = address.includes(":") ? `[${address}]` : address;
    console.log(`rooms-server listening on http://${host}:${port}`);
  });

  const shutdown = () => {
    io.close();
    // Give the close frames a moment to leave, but never hang on a lingering connection.
    setTimeout(() => process.exit(0), 200).unref();
    httpServer.close(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err) => {
  console.error(`rooms-server: ${err.message}`);
  process.exit(1);
});
