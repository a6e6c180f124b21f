#include "tools/scenario/script.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "protocol/decimal.hpp"

namespace atrium::scenario {

namespace {

// -- characters and words ---------------------------------------------------------------------

constexpr std::uint32_t max_duration_ms = 3'600'000;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-';
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string quote(std::string_view s) {
  constexpr std::size_t max_shown = 40;
  std::string out = "'";
  out.append(s.substr(0, max_shown));
  if (s.size() > max_shown)
    out += "...";
  return out + "'";
}

/// Empty when `line` is well-formed UTF-8 without control characters (tabs aside), else what is
/// wrong with it. Everything after this check may assume printable text.
std::string check_text(std::string_view line) {
  for (std::size_t i = 0; i < line.size();) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        static const char* hex = "0123456789abcdef";
        return std::string{"unexpected control character 0x"} + hex[c >> 4] + hex[c & 15]
               + " (a scenario is text)";
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                      : c >= 0xe0 && c <= 0xef ? 3
                      : c >= 0xf0 && c <= 0xf4 ? 4
                                               : 0;
    if (len == 0 || i + len > line.size())
      return "the line is not valid UTF-8 text";
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(line[i + k]) & 0xc0) != 0x80)
        return "the line is not valid UTF-8 text";
    auto c1 = static_cast<unsigned char>(line[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90)
        || (c == 0xf4 && c1 >= 0x90))
      return "the line is not valid UTF-8 text";
    i += len;
  }
  return {};
}

/// `300ms` or `2s`, more than zero and at most an hour.
std::optional<std::uint32_t> duration(std::string_view s) {
  std::uint32_t unit = 0;
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    unit = 1;
    s.remove_suffix(2);
  } else if (s.size() > 1 && s.back() == 's') {
    unit = 1000;
    s.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  if (s.empty() || s.size() > 7 || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s)
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  value *= unit;
  if (value == 0 || value > max_duration_ms)
    return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

/// Position of `keyword` standing alone (blanks or the end on both sides) in `text`, outside
/// JSON strings; npos if there is none. Lets a JSON value be followed by `->` or `refused`.
std::size_t find_keyword(std::string_view text, std::string_view keyword) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (text.compare(i, keyword.size(), keyword) == 0 && (i == 0 || is_blank(text[i - 1]))
        && (i + keyword.size() == text.size() || is_blank(text[i + keyword.size()])))
      return i;
  }
  return std::string_view::npos;
}

struct word {
  std::string text;
  bool quoted = false;
  std::size_t begin = 0; // offset in the text read

  /// A bare word equal to `kw`; quoting a word keeps it from being read as a keyword.
  bool is(std::string_view kw) const {
    return !quoted && text == kw;
  }
};

/// Reads the words of one line, left to right. The rest of the line can be taken as raw text
/// (a JSON value or a title) at any point.
class word_reader {
public:
  explicit word_reader(std::string_view text) : text_(text) {
  }

  bool at_end() {
    skip_blanks();
    return pos_ == text_.size();
  }

  /// The next word; nullopt at the end of the line or on a malformed quoted word (then
  /// `error()` says what is wrong).
  std::optional<word> next() {
    skip_blanks();
    if (pos_ == text_.size())
      return std::nullopt;
    word w;
    w.begin = pos_;
    if (text_[pos_] != '"') {
      auto start = pos_;
      while (pos_ < text_.size() && !is_blank(text_[pos_]))
        ++pos_;
      w.text = std::string{text_.substr(start, pos_ - start)};
      return w;
    }
    w.quoted = true;
    for (++pos_; pos_ < text_.size(); ++pos_) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        if (pos_ < text_.size() && !is_blank(text_[pos_])) {
          error_ = "expected a blank after the closing quote of \"" + w.text + "\"";
          return std::nullopt;
        }
        return w;
      }
      if (c == '\\') {
        if (pos_ + 1 < text_.size() && (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\')) {
          w.text += text_[++pos_];
          continue;
        }
        error_ = "unknown escape in a quoted word (only \\\" and \\\\ are allowed)";
        return std::nullopt;
      }
      w.text += c;
    }
    error_ = "missing closing quote of \"" + w.text;
    return std::nullopt;
  }

  /// The rest of the line, trimmed; consumes it.
  std::string_view rest() {
    skip_blanks();
    auto out = text_.substr(pos_);
    pos_ = text_.size();
    return trim(out);
  }

  const std::string& error() const {
    return error_;
  }

private:
  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_]))
      ++pos_;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

// -- statements ------------------------------------------------------------------------------

const char* statement_list = "scenario, engines, node, stop, kill, restart, client, disconnect, "
                             "drop, emit, join, leave, io, as, kick, expect";

const char* reasons[] = {"io server disconnect", "io client disconnect", "ping timeout",
                         "transport close", "transport error", "parse error"};

const char* reserved_events[] = {"connect",    "connect_error", "disconnect",
                                 "disconnecting", "newListener", "removeListener"};

enum class json_shape { array, object, string_lists };

/// Parses the statements of one line. Every function returns false after setting `error`.
class line_parser {
public:
  line_parser(std::string_view text, const std::map<std::string, int>& nodes,
              const std::map<std::string, int>& clients)
    : in_(text), nodes_(nodes), clients_(clients) {
  }

  std::string error;

  bool fail(std::string message) {
    if (error.empty())
      error = std::move(message);
    return false;
  }

  /// The next word, or an error "expected WHAT AFTER".
  bool take(word& out, const std::string& what, const std::string& after) {
    auto w = in_.next();
    if (!w) {
      if (!in_.error().empty())
        return fail(in_.error());
      return fail("expected " + what + " after " + after);
    }
    out = std::move(*w);
    return true;
  }

  std::optional<word> next() {
    auto w = in_.next();
    if (!w && !in_.error().empty())
      fail(in_.error());
    return w;
  }

  bool at_end() {
    return in_.at_end();
  }

  std::string_view rest() {
    return in_.rest();
  }

  /// Nothing may follow on the line.
  bool finish(const std::string& after) {
    if (in_.at_end())
      return true;
    auto w = in_.next();
    if (!w)
      return fail(in_.error());
    return fail("unexpected " + quote(w->text) + " after " + after);
  }

  bool name(std::string& out, const char* kind, const std::string& after) {
    word w;
    if (!take(w, std::string{"a "} + kind + " name", after))
      return false;
    if (!is_name(w.text))
      return fail("invalid " + std::string{kind} + " name " + quote(w.text) + " after " + after
                  + " (names use letters, digits, '_' and '-')");
    out = w.text;
    return true;
  }

  bool node(std::string& out, const std::string& after) {
    if (!name(out, "node", after))
      return false;
    if (nodes_.count(out) == 0)
      return fail("unknown node " + quote(out) + " (start it first: node " + out + ")");
    return true;
  }

  bool client(std::string& out, const std::string& after) {
    if (!name(out, "client", after))
      return false;
    return known_client(out);
  }

  bool known_client(const std::string& n) {
    if (clients_.count(n) == 0)
      return fail("unknown client " + quote(n) + " (connect it first: client " + n + " NODE)");
    return true;
  }

  bool nsp(std::string& out, const std::string& after) {
    word w;
    if (!take(w, "a namespace (starting with '/')", after))
      return false;
    if (w.text.empty() || w.text.front() != '/')
      return fail("expected a namespace (starting with '/') after " + after + ", got "
                  + quote(w.text));
    out = w.text;
    return true;
  }

  /// A room: any non-empty word; `$name` must name a known client.
  bool room(const word& w, std::string& out) {
    if (w.text.empty())
      return fail("expected a room name, got \"\"");
    if (w.text.front() == '$') {
      auto n = w.text.substr(1);
      if (!is_name(n))
        return fail("expected a client name after '$' in room " + quote(w.text));
      if (!known_client(n))
        return false;
    }
    out = w.text;
    return true;
  }

  bool event(std::string& out, const std::string& after) {
    word w;
    if (!take(w, "an event name", after))
      return false;
    if (w.text.empty())
      return fail("expected an event name after " + after + ", got \"\"");
    for (auto r : reserved_events)
      if (w.text == r)
        return fail("event name " + quote(w.text)
                    + " is reserved by Socket.IO and cannot be emitted");
    out = w.text;
    return true;
  }

  /// Validates `text` as JSON of the given shape; `what` is e.g. "a JSON array of arguments".
  bool json(std::string_view text, json_shape shape, const std::string& what,
            const std::string& after) {
    if (text.empty())
      return fail("expected " + what + " after " + after);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      text.data(), text.size());
    if (doc.HasParseError())
      return fail("expected " + what + " after " + after + " ("
                  + rapidjson::GetParseError_En(doc.GetParseError()) + " at column "
                  + std::to_string(doc.GetErrorOffset() + 1) + " of the JSON text)");
    bool ok = shape == json_shape::array ? doc.IsArray() : doc.IsObject();
    if (ok && shape == json_shape::string_lists)
      for (auto& m : doc.GetObject()) {
        if (!m.value.IsArray())
          ok = false;
        else
          for (auto& item : m.value.GetArray())
            ok = ok && item.IsString();
      }
    if (!ok)
      return fail("expected " + what + " after " + after + ", got " + quote(text));
    return true;
  }

private:
  word_reader in_;
  const std::map<std::string, int>& nodes_;
  const std::map<std::string, int>& clients_;
};

bool parse_node(line_parser& p, start_node& out) {
  if (!p.name(out.name, "node", "'node'"))
    return false;
  while (auto w = p.next())
    out.flags.push_back(w->text);
  return p.error.empty();
}

bool parse_stop(line_parser& p, const std::string& kw, stop_node& out) {
  out.mode = kw == "kill" ? stop_node::how::kill
             : kw == "restart" ? stop_node::how::restart
                               : stop_node::how::stop;
  return p.node(out.name, "'" + kw + "'") && p.finish("the node name");
}

const std::map<std::string, int> no_names;

bool parse_client(line_parser& p, connect_client& out) {
  if (!p.name(out.name, "client", "'client'"))
    return false;
  if (out.name == "adapter" || out.name == "rooms" || out.name == "sids" || out.name == "peers")
    return p.fail("client name " + quote(out.name) + " is reserved (expect " + out.name
                  + " ... is another statement)");
  if (!p.node(out.node, "the client name"))
    return false;
  std::string rest{p.rest()};
  // `refused MESSAGE` ends the line; found outside JSON strings so that an auth payload may
  // contain the word.
  if (auto at = find_keyword(rest, "refused"); at != std::string::npos) {
    line_parser tail{std::string_view{rest}.substr(at + 7), no_names, no_names};
    word msg;
    if (!tail.take(msg, "a refusal message", "'refused'")
        || !tail.finish("the refusal message"))
      return p.fail(tail.error);
    out.refused = msg.text;
    rest.resize(at);
  }
  line_parser opts{rest, no_names, no_names};
  bool first = true, seen_transport = false;
  std::string after = "the node name";
  while (!opts.at_end()) {
    auto w = opts.next();
    if (!w)
      return p.fail(opts.error);
    if (first && !w->quoted && !w->text.empty() && w->text.front() == '/') {
      out.nsp = w->text;
    } else if (!w->quoted && w->text.rfind("transport=", 0) == 0) {
      if (seen_transport)
        return p.fail("transport= given twice");
      seen_transport = true;
      auto t = w->text.substr(10);
      if (t == "polling")
        out.mode = transport::polling;
      else if (t == "websocket")
        out.mode = transport::websocket;
      else if (t == "upgrade")
        out.mode = transport::upgrade;
      else
        return p.fail("unknown transport " + quote(t)
                      + " (expected transport=polling, transport=websocket or "
                        "transport=upgrade)");
    } else if (!w->quoted && w->text.rfind("auth=", 0) == 0) {
      // The JSON runs to the end of the line (or to `refused`): auth= is the last option.
      auto json = trim(std::string_view{rest}.substr(w->begin + 5));
      if (!p.json(json, json_shape::object, "a JSON object", "'auth='"))
        return false;
      out.auth_json = std::string{json};
      return true;
    } else {
      return p.fail("unexpected " + quote(w->text) + " after " + after
                    + " (expected a namespace, transport=polling|websocket|upgrade, auth=JSON "
                      "or refused \"MESSAGE\")");
    }
    first = false;
    after = "'" + w->text + "'";
  }
  return true;
}

bool parse_disconnect(line_parser& p, const std::string& kw, disconnect_client& out) {
  out.abrupt = kw == "drop";
  return p.client(out.name, "'" + kw + "'") && p.finish("the client name");
}

bool parse_client_emit(line_parser& p, client_emit& out) {
  if (!p.client(out.client, "'emit'") || !p.event(out.event, "the client name"))
    return false;
  auto rest = p.rest();
  auto arrow = find_keyword(rest, "->");
  auto args = trim(rest.substr(0, arrow));
  if (!p.json(args, json_shape::array, "a JSON array of arguments", "the event name"))
    return false;
  out.args_json = std::string{args};
  if (arrow != std::string_view::npos) {
    auto ack = trim(rest.substr(arrow + 2));
    if (ack == "later") {
      out.ack_later = true;
      return true;
    }
    if (!p.json(ack, json_shape::array, "a JSON array of acknowledgement arguments or 'later'",
                "'->'"))
      return false;
    out.ack_json = std::string{ack};
  }
  return true;
}

bool parse_membership(line_parser& p, const std::string& kw, membership& out) {
  out.join = kw == "join";
  if (!p.client(out.client, "'" + kw + "'"))
    return false;
  while (auto w = p.next()) {
    std::string r;
    if (!p.room(*w, r))
      return false;
    out.rooms.push_back(std::move(r));
  }
  if (!p.error.empty())
    return false;
  if (out.rooms.empty())
    return p.fail("expected a room name after the client name");
  if (!out.join && out.rooms.size() > 1)
    return p.fail("'leave' takes one room (socket.leave(room)); write one leave per room");
  return true;
}

bool parse_server_emit(line_parser& p, const std::string& kw, server_emit& out) {
  if (kw == "io") {
    if (!p.node(out.node, "'io'") || !p.nsp(out.nsp, "the node name"))
      return false;
  } else {
    std::string c;
    if (!p.client(c, "'as'"))
      return false;
    out.client = c;
  }
  // Clauses `to|in|except ROOM...` in any order, then `emit`. Quoted words are never keywords,
  // so a room called "emit" is written quoted.
  std::vector<std::string>* target = nullptr;
  bool need_room = false;
  std::string last = kw == "io" ? "the namespace" : "the client name";
  for (;;) {
    auto w = p.next();
    if (!w && !p.error.empty())
      return false;
    bool clause = w && (w->is("to") || w->is("in") || w->is("except"));
    if (need_room && (!w || clause || w->is("emit")))
      return p.fail("expected a room name after " + last);
    if (!w)
      return p.fail("expected 'emit EVENT JSON-ARRAY' after " + last);
    if (w->is("emit"))
      break;
    if (clause) {
      target = w->is("except") ? &out.except : &out.to;
      need_room = true;
      last = "'" + w->text + "'";
      continue;
    }
    if (!target)
      return p.fail("expected 'to', 'in', 'except' or 'emit' after " + last + ", got "
                    + quote(w->text));
    std::string room;
    if (!p.room(*w, room))
      return false;
    target->push_back(std::move(room));
    need_room = false;
    last = "the rooms";
  }
  if (!p.event(out.event, "'emit'"))
    return false;
  auto args = p.rest();
  if (!p.json(args, json_shape::array, "a JSON array of arguments", "the event name"))
    return false;
  out.args_json = std::string{args};
  return true;
}

bool parse_kick(line_parser& p, kick_client& out) {
  if (!p.client(out.client, "'kick'"))
    return false;
  if (auto w = p.next()) {
    if (!w->is("close"))
      return p.fail("expected 'close' or nothing after the client name, got " + quote(w->text));
    out.close = true;
    return p.finish("'close'");
  }
  return p.error.empty();
}

/// `expect adapter|rooms|sids NODE NAMESPACE ...`.
bool parse_expect_node(line_parser& p, const std::string& kw, step_body& out) {
  std::string node, nsp;
  if (!p.node(node, "'expect " + kw + "'") || !p.nsp(nsp, "the node name"))
    return false;
  if (kw != "adapter") {
    expect_state st;
    st.sids = kw == "sids";
    st.node = node;
    st.nsp = nsp;
    auto json = p.rest();
    auto what = st.sids ? std::string{"a JSON object of socket rooms ({\"name\": [\"room\", ...]})"}
                        : std::string{"a JSON object of room members ({\"room\": [\"name\", ...]})"};
    if (!p.json(json, json_shape::string_lists, what, "the namespace"))
      return false;
    st.json = std::string{json};
    out = std::move(st);
    return true;
  }
  expect_adapter ad;
  ad.node = node;
  ad.nsp = nsp;
  word type;
  if (!p.take(type, "an adapter event (create-room, delete-room, join-room, leave-room) or "
                    "'nothing'",
              "the namespace"))
    return false;
  if (type.is("nothing")) {
    out = std::move(ad);
    return p.finish("'nothing'");
  }
  if (type.text != "create-room" && type.text != "delete-room" && type.text != "join-room"
      && type.text != "leave-room")
    return p.fail("unknown adapter event " + quote(type.text)
                  + " (expected create-room, delete-room, join-room, leave-room or nothing)");
  ad.type = type.text;
  word room;
  if (!p.take(room, "a room name", "'" + type.text + "'") || !p.room(room, ad.room))
    return false;
  if (type.text == "join-room" || type.text == "leave-room") {
    if (!p.client(ad.client, "the room name"))
      return false;
  }
  if (!p.finish(type.text == "join-room" || type.text == "leave-room" ? "the client name"
                                                                      : "the room name"))
    return false;
  out = std::move(ad);
  return true;
}

/// `expect peers NODE COUNT`.
bool parse_expect_peers(line_parser& p, step_body& out) {
  expect_peers ep;
  if (!p.node(ep.node, "'expect peers'"))
    return false;
  word count;
  if (!p.take(count, "the number of peer nodes", "the node name"))
    return false;
  auto number = protocol::parse_decimal<std::uint32_t>(count.text);
  if (!number)
    return p.fail("expected the number of peer nodes after the node name, got "
                  + quote(count.text));
  ep.count = *number;
  if (!p.finish("the number of peer nodes"))
    return false;
  out = std::move(ep);
  return true;
}

bool parse_expect(line_parser& p, step_body& out) {
  word first;
  if (!p.take(first, "a client name, 'adapter', 'rooms', 'sids' or 'peers'", "'expect'"))
    return false;
  if (first.is("adapter") || first.is("rooms") || first.is("sids"))
    return parse_expect_node(p, first.text, out);
  if (first.is("peers"))
    return parse_expect_peers(p, out);
  if (!is_name(first.text))
    return p.fail("invalid client name " + quote(first.text)
                  + " after 'expect' (names use letters, digits, '_' and '-')");
  if (!p.known_client(first.text))
    return false;
  word second;
  if (!p.take(second, "an event name, 'ack', 'nothing' or 'disconnected'", "the client name"))
    return false;
  if (second.is("ack")) {
    expect_ack a;
    a.client = first.text;
    word event;
    if (!p.take(event, "the name of the event it acknowledges", "'ack'"))
      return false;
    if (event.text.empty())
      return p.fail("expected the name of the event it acknowledges after 'ack', got \"\"");
    a.event = event.text;
    auto args = p.rest();
    if (!p.json(args, json_shape::array, "a JSON array of acknowledgement arguments",
                "the event name"))
      return false;
    a.args_json = std::string{args};
    out = std::move(a);
    return true;
  }
  if (second.is("nothing")) {
    expect_nothing n;
    n.client = first.text;
    if (auto w = p.next()) {
      if (!w->is("for"))
        return p.fail("expected 'for DURATION' or nothing after 'nothing', got " + quote(w->text));
      word d;
      if (!p.take(d, "a duration such as 300ms or 2s", "'for'"))
        return false;
      auto ms = duration(d.text);
      if (!ms)
        return p.fail("expected a duration such as 300ms or 2s after 'for', got "
                      + quote(d.text));
      n.for_ms = *ms;
      if (!p.finish("the duration"))
        return false;
    } else if (!p.error.empty()) {
      return false;
    }
    out = std::move(n);
    return true;
  }
  if (second.is("disconnected")) {
    expect_disconnected d;
    d.client = first.text;
    if (auto w = p.next()) {
      bool known = std::any_of(std::begin(reasons), std::end(reasons),
                               [&](const char* r) { return w->text == r; });
      if (!known)
        return p.fail("unknown disconnect reason " + quote(w->text)
                      + " (expected one of: \"io server disconnect\", \"io client disconnect\", "
                        "\"ping timeout\", \"transport close\", \"transport error\", "
                        "\"parse error\")");
      d.reason = w->text;
      if (!p.finish("the reason"))
        return false;
    } else if (!p.error.empty()) {
      return false;
    }
    out = std::move(d);
    return true;
  }
  expect_event e;
  e.client = first.text;
  e.event = second.text;
  if (e.event.empty())
    return p.fail("expected an event name after the client name, got \"\"");
  auto args = p.rest();
  if (!p.json(args, json_shape::array, "a JSON array of arguments", "the event name"))
    return false;
  e.args_json = std::string{args};
  out = std::move(e);
  return true;
}

std::string default_title(const std::string& file) {
  auto slash = file.find_last_of('/');
  auto base = slash == std::string::npos ? file : file.substr(slash + 1);
  auto dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0)
    base.resize(dot);
  return base;
}

/// Splits `... within DURATION` off the end of `line`. Returns the duration, 0 when there is
/// none, or nullopt when `within` is there without a valid duration.
std::optional<std::uint32_t> split_within(std::string_view& line) {
  auto last_blank = line.find_last_of(" \t");
  if (last_blank == std::string_view::npos)
    return 0;
  auto last = line.substr(last_blank + 1);
  auto head = trim(line.substr(0, last_blank));
  auto prev_blank = head.find_last_of(" \t");
  auto prev = prev_blank == std::string_view::npos ? head : head.substr(prev_blank + 1);
  if (last == "within")
    return std::nullopt;
  if (prev != "within")
    return 0;
  auto ms = duration(last);
  if (!ms)
    return std::nullopt;
  line = trim(head.substr(0, head.size() - prev.size()));
  return *ms;
}

} // namespace

std::variant<script, parse_error> parse(const std::string& file, const std::string& text) {
  script out;
  out.file = file;
  out.title = default_title(file);
  std::map<std::string, int> nodes, clients;
  int title_line = 0, engines_line = 0, line_no = 0;
  auto error = [&](std::string message) {
    return parse_error{location{file, line_no}, std::move(message)};
  };
  std::string_view all{text};
  if (all.substr(0, 3) == "\xef\xbb\xbf")
    all.remove_prefix(3);
  while (!all.empty()) {
    ++line_no;
    auto nl = all.find('\n');
    auto raw = all.substr(0, nl);
    all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
    auto line = trim(raw);
    if (line.empty() || line.front() == '#')
      continue;
    if (auto problem = check_text(line); !problem.empty())
      return error(std::move(problem));

    word_reader head{line};
    auto kw_word = head.next();
    if (!kw_word || kw_word->quoted)
      return error("expected a statement (one of: " + std::string{statement_list}
                   + ") at the start of the line");
    const std::string kw = kw_word->text;

    if (kw == "scenario") {
      if (title_line)
        return error("'scenario' given twice (first on line " + std::to_string(title_line)
                     + ")");
      if (!out.steps.empty())
        return error("'scenario' must come before the first step");
      auto title = head.rest();
      if (title.empty())
        return error("expected a title after 'scenario'");
      out.title = std::string{title};
      title_line = line_no;
      continue;
    }

    std::uint32_t within = 0;
    if (kw == "expect") {
      auto w = split_within(line);
      if (!w)
        return error("expected a duration such as 300ms or 2s after 'within'");
      within = *w;
    } else if (auto copy = line; split_within(copy).value_or(0) != 0) {
      return error("'within DURATION' is allowed at the end of expect statements only (quote "
                   "a room called \"within\")");
    }

    line_parser p{line, nodes, clients};
    p.next(); // the keyword, read above
    if (kw == "engines") {
      if (engines_line)
        return error("'engines' given twice (first on line " + std::to_string(engines_line)
                     + ")");
      if (!out.steps.empty())
        return error("'engines' must come before the first step");
      while (auto w = p.next()) {
        engine_kind k;
        if (w->is("live"))
          k = engine_kind::live;
        else if (w->is("inprocess"))
          k = engine_kind::inprocess;
        else
          return error("unknown engine " + quote(w->text) + " (expected live or inprocess)");
        if (std::find(out.engines.begin(), out.engines.end(), k) != out.engines.end())
          return error("engine " + quote(w->text) + " listed twice");
        out.engines.push_back(k);
      }
      if (!p.error.empty())
        return error(p.error);
      if (out.engines.empty())
        return error("expected 'live' or 'inprocess' after 'engines'");
      engines_line = line_no;
      continue;
    }

    step s;
    s.where = location{file, line_no};
    if (within)
      s.within_ms = within;
    bool ok = false;
    if (kw == "node") {
      start_node n;
      ok = parse_node(p, n);
      if (ok && nodes.count(n.name))
        ok = p.fail("node " + quote(n.name) + " already exists (line "
                    + std::to_string(nodes[n.name]) + "); use restart to start it again");
      if (ok)
        nodes[n.name] = line_no;
      s.body = std::move(n);
    } else if (kw == "stop" || kw == "kill" || kw == "restart") {
      stop_node n;
      ok = parse_stop(p, kw, n);
      s.body = std::move(n);
    } else if (kw == "client") {
      connect_client c;
      ok = parse_client(p, c);
      if (ok)
        clients[c.name] = line_no;
      s.body = std::move(c);
    } else if (kw == "disconnect" || kw == "drop") {
      disconnect_client d;
      ok = parse_disconnect(p, kw, d);
      s.body = std::move(d);
    } else if (kw == "emit") {
      client_emit e;
      ok = parse_client_emit(p, e);
      s.body = std::move(e);
    } else if (kw == "join" || kw == "leave") {
      membership m;
      ok = parse_membership(p, kw, m);
      s.body = std::move(m);
    } else if (kw == "io" || kw == "as") {
      server_emit e;
      ok = parse_server_emit(p, kw, e);
      s.body = std::move(e);
    } else if (kw == "kick") {
      kick_client k;
      ok = parse_kick(p, k);
      s.body = std::move(k);
    } else if (kw == "expect") {
      ok = parse_expect(p, s.body);
      if (ok && within
          && (std::holds_alternative<expect_nothing>(s.body)
              || (std::holds_alternative<expect_adapter>(s.body)
                  && !std::get<expect_adapter>(s.body).type)))
        ok = p.fail("'within' does not apply to 'nothing' (write 'for DURATION' on a client)");
    } else {
      return error("unknown statement " + quote(kw) + " (expected one of: "
                   + std::string{statement_list} + ")");
    }
    if (!ok)
      return error(p.error.empty() ? "malformed " + kw + " statement" : p.error);
    out.steps.push_back(std::move(s));
  }
  if (out.engines.empty())
    out.engines = {engine_kind::live, engine_kind::inprocess};
  if (out.steps.empty()) {
    line_no = std::max(line_no, 1);
    return error("expected at least one step (the script has none)");
  }
  return out;
}

std::string to_string(const parse_error& e) {
  return e.where.file + ":" + std::to_string(e.where.line) + ": " + e.message;
}

} // namespace atrium::scenario
