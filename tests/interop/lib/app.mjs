// Client side of the rooms app (see CONFORMANCE.md, "Rooms app"): one helper per server event,
// each awaiting its ack with a timeout and asserting that it succeeded.

import assert from "node:assert/strict";
import { emitWithAck, record } from "./client.mjs";

export async function join(socket, room) {
  const reply = await emitWithAck(socket, "join", room);
  assert.deepEqual(reply, { ok: true }, `join ${JSON.stringify(room)} by ${socket.id}`);
}

export async function leave(socket, room) {
  const reply = await emitWithAck(socket, "leave", room);
  assert.deepEqual(reply, { ok: true }, `leave ${JSON.stringify(room)} by ${socket.id}`);
}

/** The app's `emit`: { to = [], except = [], event, args = [], self = false }. */
export async function broadcast(socket, { to = [], except = [], event, args = [], self = false }) {
  const reply = await emitWithAck(socket, "emit", { to, except, event, args, self });
  assert.deepEqual(reply, { ok: true }, `emit ${event} to ${JSON.stringify(to)} by ${socket.id}`);
}

/** The socket's rooms, sorted (the server's order is unspecified). */
export async function roomsOf(socket) {
  const reply = await emitWithAck(socket, "rooms");
  assert.ok(Array.isArray(reply), `rooms ack must be an array, got ${JSON.stringify(reply)}`);
  return [...reply].sort();
}

/** The namespace's adapter maps { rooms: {room: [sid]}, sids: {sid: [room]} }. */
export async function adapterOf(socket) {
  const reply = await emitWithAck(socket, "adapter");
  assert.ok(reply && typeof reply === "object" && reply.rooms && reply.sids,
    `adapter ack must be {rooms, sids}, got ${JSON.stringify(reply)}`);
  return reply;
}

/** Sends `watch` and returns a recorder of this socket's "adapter-event" deliveries. */
export async function watch(socket) {
  const rec = record(socket, "adapter-event", `watcher ${socket.id}`);
  const reply = await emitWithAck(socket, "watch");
  assert.deepEqual(reply, { ok: true }, "watch ack");
  return rec;
}

export const sorted = (xs) => [...xs].sort();
