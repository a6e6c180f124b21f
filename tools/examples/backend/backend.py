#!/usr/bin/env python3
"""An application back end in front of which atrium runs: Python's standard library only.

It does the three things a back end does with atrium (README.md, "Atrium in front of your
back end"):

- it issues the signed tokens clients connect with (POST /login): who the user is (`sub`, so
  atrium puts every device of that user in room `user:<sub>`), and that clients may not join
  rooms by themselves (`allow_join: []`): the back end decides;
- it receives atrium's webhooks (POST /webhooks), checks their signature, and answers the
  events clients send with an ack;
- it publishes through atrium's HTTP API: to every device of a user, and to the subscribers of
  an entity (room `entity:<id>`), whom it adds to that room itself.

    python3 backend.py --port 8000 --jwt-secret-file jwt.secret \
        --webhook-secret-file webhook.secret --api http://127.0.0.1:3001 --api-key-file api.key
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Which user may follow which entity: the application's own rule, which clients cannot bypass
# because they cannot join rooms themselves.
FOLLOWERS = {"order-7": {"alice", "bob"}, "order-8": {"carol"}}
TOKEN_LIFETIME_S = 600


def first_line(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def issue_token(secret, user):
    """An HS256 JWT for `user` (RFC 7519), signed with hmac: no JWT library needed."""
    header = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time())
    claims = {"sub": user, "iat": now, "exp": now + TOKEN_LIFETIME_S, "allow_join": [],
              "data": {"name": user.capitalize()}}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


class Atrium:
    """atrium's server HTTP API."""

    def __init__(self, url, key):
        self.url = url.rstrip("/")
        self.key = key

    def call(self, path, body):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + self.key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def emit(self, to, event, *args):
        return self.call("/v1/emit", {"to": to, "event": event, "args": list(args)})

    def join(self, to, rooms):
        return self.call("/v1/sockets/join", {"to": to, "rooms": rooms})


class Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: atrium reuses its connections
    config = None  # set in main()

    def log_message(self, fmt, *args):  # one line per request on stderr is noise here
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            if self.path == "/login":
                user = json.loads(body)["user"]
                self.answer(200, {"token": issue_token(self.config.jwt_secret, user)})
            elif self.path == "/notify":
                # What the rest of the application does: reach every device of a user.
                note = json.loads(body)
                self.config.atrium.emit("user:" + note["user"], "notification", note["text"])
                self.answer(200, {"ok": True})
            elif self.path == "/webhooks":
                self.webhook(body)
            else:
                self.answer(404, {"error": "no such path"})
        except (KeyError, TypeError, ValueError) as e:
            self.answer(400, {"error": "bad request: %s" % e})
        except urllib.error.URLError as e:
            self.answer(502, {"error": "atrium API: %s" % e})

    def webhook(self, body):
        expected = "sha256=" + hmac.new(self.config.webhook_secret.encode(), body,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-Atrium-Signature", "")):
            self.answer(401, {"error": "bad signature"})
            return
        hook = json.loads(body)
        socket = hook["socket"]
        if hook["type"] != "event":
            print("backend: %s %s (user %s)" % (hook["type"], socket["id"], socket["user"]),
                  flush=True)
            self.answer(200, {})
            return
        args = hook["args"]
        ack = self.event(hook["event"], socket, args[0] if args else None)
        self.answer(200, {"ack": [ack]})

    def event(self, name, socket, arg):
        """A client event: what the back end does, and the ack the client gets."""
        atrium = self.config.atrium
        user = socket["user"]
        if name == "follow":
            entity = arg["entity"]
            if user not in FOLLOWERS.get(entity, ()):
                return {"ok": False, "error": "%s may not follow %s" % (user, entity)}
            atrium.join(socket["id"], ["entity:" + entity])
            return {"ok": True}
        if name == "update":
            entity = arg["entity"]
            atrium.emit("entity:" + entity, "entity-updated",
                        {"entity": entity, "status": arg["status"], "by": user})
            return {"ok": True}
        if name == "direct":
            atrium.emit("user:" + arg["to"], "message", {"from": user, "text": arg["text"]})
            return {"ok": True}
        return {"ok": False, "error": "unknown event " + name}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--jwt-secret-file", required=True)
    parser.add_argument("--webhook-secret-file", required=True)
    parser.add_argument("--api", required=True, help="atrium's API, http://HOST:PORT")
    parser.add_argument("--api-key-file", required=True)
    args = parser.parse_args()

    args.jwt_secret = first_line(args.jwt_secret_file)
    args.webhook_secret = first_line(args.webhook_secret_file)
    args.atrium = Atrium(args.api, first_line(args.api_key_file))
    Backend.config = args
    server = ThreadingHTTPServer((args.host, args.port), Backend)
    print("backend listening on http://%s:%d" % (args.host, server.server_port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
