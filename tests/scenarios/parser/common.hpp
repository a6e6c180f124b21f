#pragma once

// Helpers shared by the parser tests: parse results rendered as one line of text each, so that
// a failing CAF_CHECK_EQUAL shows what was parsed (or why it was refused).

#include <string>
#include <variant>

#include "tools/scenario/script.hpp"

namespace atrium::scenario::test {

/// Two nodes and three clients, so that statements naming them parse. Four lines: a statement
/// appended to it is on line 5.
inline const std::string prelude = "node n1\n"
                                   "node n2 --namespace /chat\n"
                                   "client alice n1\n"
                                   "client bob n1\n";

/// The free-text parts are shown in <angle brackets> so that their bounds are visible.
struct describer {
  static std::string rooms(const std::vector<std::string>& list) {
    std::string out;
    for (auto& r : list)
      out += " <" + r + ">";
    return out;
  }
  std::string operator()(const start_node& n) const {
    std::string out = "node " + n.name;
    for (auto& f : n.flags)
      out += " <" + f + ">";
    return out;
  }
  std::string operator()(const stop_node& n) const {
    const char* how = n.mode == stop_node::how::stop   ? "stop"
                      : n.mode == stop_node::how::kill ? "kill"
                                                       : "restart";
    return std::string{how} + " " + n.name;
  }
  std::string operator()(const connect_client& c) const {
    const char* mode = c.mode == transport::polling     ? "polling"
                       : c.mode == transport::websocket ? "websocket"
                                                        : "upgrade";
    auto out = "client " + c.name + " " + c.node + " " + c.nsp + " " + mode;
    if (!c.auth_json.empty())
      out += " auth=<" + c.auth_json + ">";
    if (c.refused)
      out += " refused=<" + *c.refused + ">";
    return out;
  }
  std::string operator()(const disconnect_client& d) const {
    return (d.abrupt ? "drop " : "disconnect ") + d.name;
  }
  std::string operator()(const client_emit& e) const {
    auto out = "emit " + e.client + " <" + e.event + "> <" + e.args_json + ">";
    if (e.ack_json)
      out += " -> <" + *e.ack_json + ">";
    if (e.ack_later)
      out += " -> later";
    return out;
  }
  std::string operator()(const membership& m) const {
    return (m.join ? "join " : "leave ") + m.client + rooms(m.rooms);
  }
  std::string operator()(const server_emit& e) const {
    std::string out = e.client ? "as " + *e.client : "io " + e.node + " " + e.nsp;
    if (e.client && (!e.node.empty() || !e.nsp.empty()))
      out += " (node/nsp set!)";
    if (!e.to.empty())
      out += " to" + rooms(e.to);
    if (!e.except.empty())
      out += " except" + rooms(e.except);
    return out + " emit <" + e.event + "> <" + e.args_json + ">";
  }
  std::string operator()(const kick_client& k) const {
    return "kick " + k.client + (k.close ? " close" : "");
  }
  std::string operator()(const expect_event& e) const {
    return "expect " + e.client + " <" + e.event + "> <" + e.args_json + ">";
  }
  std::string operator()(const expect_ack& e) const {
    return "expect " + e.client + " ack <" + e.event + "> <" + e.args_json + ">";
  }
  std::string operator()(const expect_nothing& e) const {
    return "expect " + e.client + " nothing for " + std::to_string(e.for_ms);
  }
  std::string operator()(const expect_disconnected& e) const {
    return "expect " + e.client + " disconnected" + (e.reason ? " <" + *e.reason + ">" : "");
  }
  std::string operator()(const expect_adapter& e) const {
    auto out = "expect adapter " + e.node + " " + e.nsp;
    if (!e.type)
      return out + " nothing" + (e.room.empty() && e.client.empty() ? "" : " (room/client set!)");
    out += " " + *e.type + " <" + e.room + ">";
    if (!e.client.empty())
      out += " " + e.client;
    return out;
  }
  std::string operator()(const expect_state& e) const {
    return std::string{"expect "} + (e.sids ? "sids " : "rooms ") + e.node + " " + e.nsp + " <"
           + e.json + ">";
  }
  std::string operator()(const expect_peers& e) const {
    return "expect_peers " + e.node + " " + std::to_string(e.count);
  }
};

inline std::string describe(const step& s) {
  return std::visit(describer{}, s.body);
}

using result = std::variant<script, parse_error>;

/// "file:line: message" of a refused text, or "parsed" when it was accepted.
inline std::string error_of(const std::string& text, const std::string& file = "t.scenario") {
  auto res = parse(file, text);
  if (auto err = std::get_if<parse_error>(&res))
    return to_string(*err);
  return "parsed";
}

/// The message of the error that one statement after the prelude gets ("parsed" if none);
/// checks that it is reported on line 5.
inline std::string error_after_prelude(const std::string& statement) {
  auto res = parse("t.scenario", prelude + statement + "\n");
  auto err = std::get_if<parse_error>(&res);
  if (!err)
    return "parsed";
  if (err->where.line != 5 || err->where.file != "t.scenario")
    return "wrong place: " + to_string(*err);
  return err->message;
}

/// The last step of prelude + statement, described; or "error: ...".
inline std::string step_after_prelude(const std::string& statement) {
  auto res = parse("t.scenario", prelude + statement + "\n");
  if (auto err = std::get_if<parse_error>(&res))
    return "error: " + to_string(*err);
  auto& s = std::get<script>(res);
  if (s.steps.size() != 5)
    return "wrong step count: " + std::to_string(s.steps.size());
  return describe(s.steps.back());
}

/// within_ms of the last step of prelude + statement (0 on an error).
inline std::uint32_t within_after_prelude(const std::string& statement) {
  auto res = parse("t.scenario", prelude + statement + "\n");
  if (std::holds_alternative<parse_error>(res))
    return 0;
  return std::get<script>(res).steps.back().within_ms;
}

} // namespace atrium::scenario::test
