#pragma once

// The scenario language: line-oriented text files (`.scenario`) that describe what clients
// and the server application do and what must be seen. Parsing is pure (no I/O besides
// reading the text handed in); a syntax error says file:line and what was expected.
//
// Words are separated by blanks; "double quoted" words may contain blanks; a JSON value runs
// to the end of the line. `#` starts a comment line. Client names stand for their socket ids
// wherever a room or a JSON value says `$name`.
//
// The exact rules:
// - A line whose first non-blank character is `#` is a comment; there are no comments at the
//   end of a line (`#` elsewhere is text, so a room may be called `#general`). Blank lines,
//   leading and trailing blanks (spaces, tabs, a CR) are ignored. A line must be UTF-8 text
//   without control characters other than tabs.
// - A quoted word knows the escapes \" and \\ only, and is followed by a blank or the end. A
//   quoted word is never a keyword: `"emit"` is a room or event called emit, `"nothing"` and
//   `"ack"` events called so.
// - Client and node names are [A-Za-z0-9_-]+; clients cannot be called adapter, rooms or sids.
//   A node must be started (`node`) and a client connected (`client`) on an earlier line
//   before a statement names them, also as a `$name` room. Namespaces start with '/'.
// - Durations are `300ms` or `2s` (more than zero, at most an hour).
// - `within DURATION` is recognized only as the last two (unquoted) words of an `expect` line,
//   and is refused on `nothing` expectations (use `for`) and on other statements.
// - In `emit`, `->` splits the arguments from the expected ack only as a word of its own
//   (blanks around it) outside JSON strings; `-> later` (the bare word) instead of an array
//   asks for the ack without waiting for it.
// - In `client`, options follow the node name: the namespace first if given, then
//   `transport=...`, then `auth=JSON` last: its JSON runs to the end of the line or to a word
//   `refused` outside JSON strings, which must be followed by exactly one (quoted) message.
// - In `io`/`as`, `to ROOM...`, `in ROOM...` (the same as `to`) and `except ROOM...` clauses
//   come in any order and add up, then `emit`.
// - `scenario` and `engines` come at most once each, before the first step. A script needs at
//   least one step. Event names Socket.IO reserves (connect, disconnect, ...) cannot be emitted.
// - JSON values are validated (RapidJSON) and kept as written, trimmed.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace atrium::scenario {

struct location {
  std::string file;
  int line = 0;
};

enum class engine_kind { live, inprocess };
enum class transport { polling, websocket, upgrade };

// -- nodes ---------------------------------------------------------------------------------

/// `node NAME [atrium flags...]`: start an Atrium node.
struct start_node {
  std::string name;
  std::vector<std::string> flags;
};
/// `stop NAME` (SIGTERM), `kill NAME` (SIGKILL), `restart NAME` (start it again, same flags).
struct stop_node {
  enum class how { stop, kill, restart };
  std::string name;
  how mode = how::stop;
};

// -- clients -------------------------------------------------------------------------------

/// `client NAME NODE [NAMESPACE] [transport=polling|websocket|upgrade] [auth=JSON]`.
/// `expect_refused` with `refused "MESSAGE"` at the end: the CONNECT must be refused so.
struct connect_client {
  std::string name;
  std::string node;
  std::string nsp = "/";
  transport mode = transport::websocket;
  std::string auth_json;                    // empty: no auth payload
  std::optional<std::string> refused;       // expected CONNECT_ERROR message
};
/// `disconnect NAME` (the client leaves cleanly) or `drop NAME` (its TCP connection vanishes).
struct disconnect_client {
  std::string name;
  bool abrupt = false;
};
/// `emit NAME EVENT JSON-ARRAY [-> JSON-ARRAY]`: the client emits; with `->` it asks for an
/// ack and the ack's arguments must equal the given array.
/// `emit NAME EVENT JSON-ARRAY -> later`: it asks for an ack and goes on at once; the ack takes
/// its place among the events the client receives, where `expect NAME ack` matches it.
struct client_emit {
  std::string client;
  std::string event;
  std::string args_json = "[]";
  std::optional<std::string> ack_json;
  bool ack_later = false;
};

// -- the server application ------------------------------------------------------------------

/// `join NAME ROOM...` / `leave NAME ROOM`: the server makes that client's socket join/leave.
struct membership {
  std::string client;
  std::vector<std::string> rooms;
  bool join = true;
};
/// `io NODE NAMESPACE [to|in ROOM...] [except ROOM...] emit EVENT JSON-ARRAY`:
/// `io.of(NAMESPACE).to(...).except(...).emit(...)` on that node.
/// `as NAME [to ROOM...] [except ROOM...] emit EVENT JSON-ARRAY`: the same from that client's
/// socket (`socket.to(...)`, sender left out; no `to` is `socket.broadcast`).
struct server_emit {
  std::optional<std::string> client; // set for `as`
  std::string node;                  // set for `io`
  std::string nsp;                   // set for `io`
  std::vector<std::string> to;
  std::vector<std::string> except;
  std::string event;
  std::string args_json = "[]";
};
/// `kick NAME [close]`: the server disconnects that socket (`close`: the whole connection).
struct kick_client {
  std::string client;
  bool close = false;
};

// -- expectations ----------------------------------------------------------------------------

/// `expect NAME EVENT JSON-ARRAY`: the next event this client has not yet matched must be it.
struct expect_event {
  std::string client;
  std::string event;
  std::string args_json;
};
/// `expect NAME ack EVENT JSON-ARRAY`: the next thing this client received that no step has
/// matched yet must be the ack of its `emit NAME EVENT ... -> later`, with these arguments. An
/// ack asked for `later` is in line with the events: `expect NAME EVENT` and `expect NAME
/// nothing` fail on it, so a script says whether an event comes before or after an ack.
struct expect_ack {
  std::string client;
  std::string event;
  std::string args_json;
};
/// `expect NAME nothing [for MSms]`: no further event reaches the client (live: within the
/// time, default 300 ms; in-process: once everything has run).
struct expect_nothing {
  std::string client;
  std::uint32_t for_ms = 300;
};
/// `expect NAME disconnected [REASON]`: the client's socket was disconnected (reason as the
/// official client names it, e.g. "io server disconnect").
struct expect_disconnected {
  std::string client;
  std::optional<std::string> reason;
};
/// `expect adapter NODE NAMESPACE TYPE ROOM [NAME]`: the next adapter event of that namespace
/// (create-room, delete-room, join-room, leave-room; NAME for join/leave) not yet matched.
/// `expect adapter NODE NAMESPACE nothing`: none left unmatched.
struct expect_adapter {
  std::string node;
  std::string nsp;
  std::optional<std::string> type; // empty: "nothing"
  std::string room;
  std::string client;
};
/// `expect rooms NODE NAMESPACE JSON-OBJECT` ({"room": ["name", ...]}) and
/// `expect sids NODE NAMESPACE JSON-OBJECT` ({"name": ["room", ...]}): the adapter's maps, with
/// sockets written as client names; own-id rooms may be written `$name`.
struct expect_state {
  bool sids = false; // false: rooms
  std::string node;
  std::string nsp;
  std::string json;
};

/// `expect peers NODE COUNT`: the node is connected to COUNT other cluster nodes right now
/// (live only; waits up to `within` for the mesh to form or a lost node to be noticed).
struct expect_peers {
  std::string node;
  std::uint32_t count = 0;
};

using step_body =
  std::variant<start_node, stop_node, connect_client, disconnect_client, client_emit, membership,
               server_emit, kick_client, expect_event, expect_ack, expect_nothing,
               expect_disconnected, expect_adapter, expect_state, expect_peers>;

struct step {
  location where;
  /// `... within MSms` at the end of an expectation: how long the live engine waits for it
  /// (default 5000 ms). The in-process engine runs everything there is to run instead.
  std::uint32_t within_ms = 5000;
  step_body body;
};

struct script {
  std::string file;
  std::string title;                    // `scenario TITLE...` (default: the file name)
  std::vector<engine_kind> engines;     // `engines live inprocess` (default: both)
  std::vector<step> steps;
};

/// A syntax error: where, and what was expected there.
struct parse_error {
  location where;
  std::string message;
};

/// Parses one scenario file's text. Never throws on bad input.
std::variant<script, parse_error> parse(const std::string& file, const std::string& text);

/// "file:line: message".
std::string to_string(const parse_error& e);

} // namespace atrium::scenario
