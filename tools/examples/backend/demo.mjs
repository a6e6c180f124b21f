// The two use cases of an application behind atrium, with the official client:
//   - every device of a given user: alice, on her phone and her laptop, gets bob's message and
//     the back end's notification on both;
//   - notifications about a given entity: whoever follows order-7 (the back end decides who
//     may) hears of its updates, and nobody else does.
// Clients never join rooms or broadcast themselves: they send events, which atrium forwards as
// webhooks to the back end, which publishes through atrium's HTTP API.
//
//   node demo.mjs http://127.0.0.1:3000 http://127.0.0.1:8000
// Exits 0 when everything arrived as described, 1 (saying what is missing) otherwise.

import { io } from "socket.io-client";

const [atriumUrl = "http://127.0.0.1:3000", backendUrl = "http://127.0.0.1:8000"] = process.argv.slice(2);
const WAIT_MS = 10_000;

async function post(path, body) {
  const res = await fetch(backendUrl + path, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A device of `user`: it asks the back end for a token at every (re)connect. */
function device(user, name) {
  const socket = io(atriumUrl, {
    transports: ["websocket"],
    auth: (cb) => post("/login", { user }).then(({ token }) => cb({ token }), () => cb({})),
  });
  socket.label = `${user}'s ${name}`;
  socket.got = [];
  for (const event of ["message", "notification", "entity-updated"])
    socket.on(event, (payload) => {
      socket.got.push(event);
      console.log(`${socket.label} got ${event}: ${JSON.stringify(payload)}`);
    });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(new Error(`${socket.label}: ${err.message}`)));
  });
}

function expectAck(socket, event, arg) {
  return socket.timeout(WAIT_MS).emitWithAck(event, arg).then((ack) => {
    console.log(`${socket.label}: ${event} ${JSON.stringify(arg)} -> ${JSON.stringify(ack)}`);
    return ack;
  });
}

const timer = setTimeout(() => { console.error("demo: timed out"); process.exit(1); }, 3 * WAIT_MS);
const phone = await device("alice", "phone");
const laptop = await device("alice", "laptop");
const bob = await device("bob", "phone");
const carol = await device("carol", "laptop");
const everyone = [phone, laptop, bob, carol];

const problems = [];
const ack = (a, want, what) => { if (a?.ok !== want) problems.push(`${what}: ack ${JSON.stringify(a)}`); };
ack(await expectAck(bob, "follow", { entity: "order-7" }), true, "bob follows order-7");
ack(await expectAck(phone, "follow", { entity: "order-7" }), true, "alice's phone follows order-7");
ack(await expectAck(carol, "follow", { entity: "order-7" }), false, "carol may not follow order-7");

// Each of these arrives after its ack: the back end acks once the API accepted its emit.
await expectAck(laptop, "update", { entity: "order-7", status: "shipped" });
await expectAck(bob, "direct", { to: "alice", text: "see you at 6" });
await post("/notify", { user: "alice", text: "your order shipped" });
// The notification has no ack to wait for: a last direct message tells when it is done, since
// one connection gets what the server produced in the order it produced it.
const lastArrived = (socket) => new Promise((resolve) =>
  socket.on("message", (m) => { if (m.text === "last") resolve(); }));
const last = Promise.all([lastArrived(phone), lastArrived(laptop)]);
await expectAck(carol, "direct", { to: "alice", text: "last" });
await last;

const expected = new Map([
  [phone, ["entity-updated", "message", "notification", "message"]],
  [laptop, ["message", "notification", "message"]],
  [bob, ["entity-updated"]],
  [carol, []],
]);
for (const [socket, want] of expected)
  if (JSON.stringify(socket.got) !== JSON.stringify(want))
    problems.push(`${socket.label} got ${JSON.stringify(socket.got)}, expected ${JSON.stringify(want)}`);

for (const s of everyone) s.disconnect();
clearTimeout(timer);
if (problems.length) {
  console.error(`demo: FAILED\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("demo: every device of alice got her messages; order-7's followers, and only they, got its update");
