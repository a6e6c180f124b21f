// Signed tokens and the connect hook on CONNECT (atrium only): each kind of token is accepted
// or refused as it must be, with the official client's `auth` option carrying it; the claims
// decide the socket's user room, rooms, data and join patterns; an expired token ends the
// connection and the client comes back with a fresh one from its auth callback.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { io } from "socket.io-client";
import { IS_REFERENCE } from "./lib/server.mjs";
import { emitWithAck, once } from "./lib/client.mjs";
import { roomsOf, sorted } from "./lib/app.mjs";
import { useServer } from "./lib/fixture.mjs";
import { api, apiUrl, backend, fileWith, jwt, keyPair, now } from "./lib/backend.mjs";

const skip = IS_REFERENCE ? "tokens and the connect hook are atrium's" : false;

const SECRET = "a secret of the tests, long enough for HS512 too";
const rsa = keyPair("rsa");
const ec = keyPair("ec");
const otherRsa = keyPair("rsa");
const API_KEY = "api-key-of-the-auth-tests";

/** The message of the CONNECT_ERROR a client with `auth` gets, or "connected". */
async function verdict(ctx, auth) {
  const socket = ctx.clients.open("websocket", { auth });
  const outcome = await Promise.race([
    once(socket, "connect").then(() => "connected"),
    once(socket, "connect_error").then(([err]) => err.message),
  ]);
  socket.disconnect();
  return outcome;
}

const valid = (extra = {}) => ({ sub: "ann", exp: now() + 600, ...extra });

describe("tokens: an HMAC secret and an RSA public key", { skip }, () => {
  const ctx = useServer({
    trusted: false,
    extraArgs: ["--auth-jwt-secret-file", fileWith(SECRET + "\n"),
                "--auth-jwt-public-key-file", fileWith(rsa.publicPem), "--auth-jwt-leeway", "5",
                "--api-port", "0", "--api-key-file", fileWith(API_KEY)],
  });

  it("accepts HS256, HS384, HS512 and RS256 tokens signed with the configured keys", async () => {
    for (const alg of ["HS256", "HS384", "HS512"])
      assert.equal(await verdict(ctx, { token: jwt(alg, SECRET, valid()) }), "connected", alg);
    assert.equal(await verdict(ctx, { token: jwt("RS256", rsa.privateKey, valid()) }), "connected");
  });

  it("refuses missing, expired, early, forged, altered and unsigned tokens with a reason", async () => {
    assert.equal(await verdict(ctx, undefined), "authentication required");
    assert.equal(await verdict(ctx, { token: 42 }), "invalid token");
    assert.equal(await verdict(ctx, { token: "not.a.token" }), "invalid token");
    assert.equal(await verdict(ctx, { token: jwt("HS256", SECRET, valid({ exp: now() - 60 })) }),
                 "token expired");
    // Within the leeway an expired token still passes.
    assert.equal(await verdict(ctx, { token: jwt("HS256", SECRET, valid({ exp: now() - 2 })) }),
                 "connected");
    assert.equal(await verdict(ctx, { token: jwt("HS256", SECRET, valid({ nbf: now() + 60 })) }),
                 "token not yet valid");
    assert.equal(await verdict(ctx, { token: jwt("HS256", "another secret", valid()) }), "invalid token");
    assert.equal(await verdict(ctx, { token: jwt("RS256", otherRsa.privateKey, valid()) }), "invalid token");
    const [h, , s] = jwt("HS256", SECRET, valid()).split(".");
    const altered = `${h}.${Buffer.from(JSON.stringify(valid({ sub: "root" }))).toString("base64url")}.${s}`;
    assert.equal(await verdict(ctx, { token: altered }), "invalid token");
    assert.notEqual(await verdict(ctx, { token: jwt("none", null, valid()) }), "connected");
    // An EC signature is no use against an RSA key.
    assert.notEqual(await verdict(ctx, { token: jwt("ES256", ec.privateKey, valid()) }), "connected");
  });

  it("puts the socket in its user room and its rooms; allow_join replaces the join patterns", async () => {
    const token = jwt("HS256", SECRET, valid({ sub: "bob", rooms: ["project:7"], allow_join: ["game-*"] }));
    const s = await ctx.clients.connect("websocket", { auth: { token } });
    assert.deepEqual(await roomsOf(s), sorted([s.id, "user:bob", "project:7"]));
    assert.deepEqual(await emitWithAck(s, "join", "game-1"), { ok: true });
    const refused = await emitWithAck(s, "join", "lobby");
    assert.equal(refused.ok, false, "a room outside the token's patterns is refused");
    const none = await ctx.clients.connect("websocket",
      { auth: { token: jwt("HS256", SECRET, valid({ allow_join: [] })) } });
    assert.equal((await emitWithAck(none, "join", "game-1")).ok, false, "allow_join [] joins nothing");
  });

  it("refuses malformed claims", async () => {
    assert.notEqual(await verdict(ctx, { token: jwt("HS256", SECRET, valid({ rooms: "a" })) }), "connected");
    assert.notEqual(await verdict(ctx, { token: jwt("HS256", SECRET, valid({ data: [1] })) }), "connected");
  });

  it("two devices of one user both get what the API sends to user:<sub>", async () => {
    const token = () => jwt("HS256", SECRET, valid({ sub: "carol", data: { plan: "pro" } }));
    const phone = await ctx.clients.connect("websocket", { auth: { token: token() } });
    const laptop = await ctx.clients.connect("polling", { auth: { token: token() } });
    const other = await ctx.clients.connect("websocket", { auth: { token: jwt("HS256", SECRET, valid({ sub: "dave" })) } });
    const got = [once(phone, "notice"), once(laptop, "notice")];
    let strayed = false;
    other.on("notice", () => { strayed = true; });
    const res = await api(apiUrl(ctx.server), "POST", "/v1/emit",
                          { key: API_KEY, body: { to: "user:carol", event: "notice", args: ["hi carol"] } });
    assert.deepEqual(res.body, { ok: true });
    assert.deepEqual(await Promise.all(got), [["hi carol"], ["hi carol"]]);
    // The user and data of the token are what the listing shows.
    const listing = await api(apiUrl(ctx.server), "GET", "/v1/sockets?room=user:carol", { key: API_KEY });
    assert.deepEqual(listing.body.sockets.map((x) => [x.id, x.user, x.data]).sort(),
                     [[phone.id, "carol", { plan: "pro" }], [laptop.id, "carol", { plan: "pro" }]].sort());
    // A broadcast to carol sent after the emit arrived at `other` first, if at all: nothing.
    await emitWithAck(other, "rooms");
    assert.equal(strayed, false);
  });

  it("closes the connection at exp; the client comes back with a fresh token from its auth callback", async () => {
    const issued = [];
    const socket = io(ctx.server.url, {
      transports: ["websocket"], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200,
      auth: (cb) => {
        // The first token lives two seconds, the next ten minutes.
        const exp = issued.length === 0 ? now() + 2 : now() + 600;
        issued.push(exp);
        cb({ token: jwt("HS256", SECRET, { sub: "erin", exp }) });
      },
    });
    try {
      await once(socket, "connect", 5000, "first connect");
      const firstId = socket.id;
      const [reason] = await once(socket, "disconnect", 5000, "disconnected at exp");
      assert.equal(reason, "transport close", "the server closed the connection, not the namespace");
      await once(socket, "connect", 5000, "reconnected");
      assert.equal(issued.length, 2, "the auth callback gave a fresh token");
      assert.notEqual(socket.id, firstId);
      assert.deepEqual(await roomsOf(socket), sorted([socket.id, "user:erin"]));
    } finally {
      socket.disconnect();
    }
  });
});

describe("tokens: an EC public key only, --auth optional", { skip }, () => {
  const ctx = useServer({
    trusted: false,
    extraArgs: ["--auth-jwt-public-key-file", fileWith(ec.publicPem), "--auth", "optional",
                "--auth-jwt-issuer", "https://issuer.test", "--auth-jwt-audience", "atrium"],
  });
  const claims = (extra = {}) => valid({ iss: "https://issuer.test", aud: "atrium", ...extra });

  it("accepts ES256 with the right issuer and audience", async () => {
    assert.equal(await verdict(ctx, { token: jwt("ES256", ec.privateKey, claims()) }), "connected");
    assert.equal(await verdict(ctx, { token: jwt("ES256", ec.privateKey, claims({ aud: ["x", "atrium"] })) }),
                 "connected");
    assert.equal(await verdict(ctx, { token: jwt("ES256", ec.privateKey, claims({ iss: "evil" })) }), "wrong issuer");
    assert.equal(await verdict(ctx, { token: jwt("ES256", ec.privateKey, claims({ aud: "other" })) }), "wrong audience");
  });

  it("refuses RS256, and HS256 keyed with the public key's PEM (algorithm confusion)", async () => {
    assert.notEqual(await verdict(ctx, { token: jwt("RS256", rsa.privateKey, claims()) }), "connected");
    assert.notEqual(await verdict(ctx, { token: jwt("HS256", ec.publicPem, claims()) }), "connected");
    assert.notEqual(await verdict(ctx, { token: jwt("none", null, claims()) }), "connected");
  });

  it("lets clients without a token in anonymously, but never one with a bad token", async () => {
    const anonymous = await ctx.clients.connect("websocket");
    assert.deepEqual(await roomsOf(anonymous), [anonymous.id]);
    assert.equal(await verdict(ctx, { token: "garbage" }), "invalid token");
  });
});

// The stand-in back end exists before the server that asks it.
const hook = await backend(({ json }) => {
  if (json && json.auth.password === "open sesame")
    return { body: { ok: true, user: json.auth.user, rooms: ["team:1"], data: { tier: 2 } } };
  return { body: { ok: false, message: "wrong password" } };
});

describe("the connect hook", { skip }, () => {
  const ctx = useServer({ trusted: false, extraArgs: ["--connect-hook-url", hook.url] });

  it("admits with the hook's user, rooms and data, and refuses with its message", async () => {
    const s = await ctx.clients.connect("websocket", { auth: { user: "fay", password: "open sesame" } });
    assert.deepEqual(await roomsOf(s), sorted([s.id, "user:fay", "team:1"]));
    const asked = hook.requests[0].json;
    assert.equal(asked.namespace, "/");
    assert.deepEqual(asked.auth, { user: "fay", password: "open sesame" });
    assert.equal(asked.address, "127.0.0.1");
    assert.equal(typeof asked.headers, "object");
    assert.equal(asked.query.EIO, "4");
    assert.equal(await verdict(ctx, { user: "fay", password: "guess" }), "wrong password");
    // A hook that is gone refuses everyone, with a reason of its own.
    await hook.close();
    assert.equal(await verdict(ctx, { user: "fay", password: "open sesame" }), "authentication unavailable");
  });
});
