#include "tools/atrium/webhooks.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <unordered_set>

#include "actors/boundary/metrics.hpp"
#include "actors/boundary/log.hpp"
#include "atrium/socket.hpp"
#include "net/http_client.hpp"
#include "protocol/binary_json.hpp"
#include "protocol/json.hpp"
#include "tools/atrium/identity.hpp"
#include "tools/atrium/json_text.hpp"

namespace atrium::app {

std::string hmac_sha256_hex(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &size);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

namespace {

/// `{"type":...,"namespace":...,"socket":{id, user, rooms, data}` — the caller adds the rest
/// and the closing brace.
template <class Rooms>
std::string body_start(std::string_view type, const std::string& nsp, const std::string& sid,
                       const identity& who, const Rooms& rooms) {
  std::string out = R"({"type":)";
  protocol::append_json_string(out, type);
  out += R"(,"namespace":)";
  protocol::append_json_string(out, nsp);
  out += R"(,"socket":{"id":)";
  protocol::append_json_string(out, sid);
  out += R"(,"user":)";
  append_json_string_or_null(out, who.user);
  out += R"(,"rooms":)";
  append_json_strings(out, rooms);
  out += R"(,"data":)";
  out += who.data_json.empty() ? "null" : who.data_json;
  out += '}';
  return out;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

struct webhooks::state {
  std::string url;
  std::string secret;
  std::chrono::milliseconds timeout;
  bool all = false;                // `*`
  std::set<std::string> lifecycle; // of connect, disconnect, join, leave
  std::set<std::string> events;    // client events named in the list
  std::shared_ptr<net::http_client> client;
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::int64_t> last_log_ms{0};
  std::atomic<std::uint64_t> unlogged{0};

  /// The sockets whose joins and leaves are news: from their `connect` (which lists the rooms
  /// joined before it) to their `disconnect` (which lists those they leave by it).
  std::mutex mtx;
  std::unordered_set<std::string> announced; // "<nsp>\n<sid>"
  bool announced_now(const std::string& lane) {
    std::lock_guard<std::mutex> guard{mtx};
    return announced.count(lane) > 0;
  }

  bool wants(const std::string& type) const { return all || lifecycle.count(type) > 0; }
  bool tracks_rooms() const { return wants("join") || wants("leave"); }

  /// One back-end failure per second on stderr at most: a dead back end must not flood logs.
  void log_failure(const std::string& what) {
    auto now = now_ms();
    auto last = last_log_ms.load(std::memory_order_relaxed);
    if (now - last < 1000 || !last_log_ms.compare_exchange_strong(last, now)) {
      unlogged.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto more = unlogged.exchange(0, std::memory_order_relaxed);
    std::string line;
    if (log::current_format() == log::format::text)
      line = "atrium: webhook to " + url + " failed: " + what
             + (more ? " (and " + std::to_string(more) + " more since the last report)" : "");
    log::warn("webhook failed", {{"url", url}, {"error", what}, {"not_logged", more}}, line);
  }

  /// POSTs `body` on `lane`; `done` (may be empty) gets the answer's `ack` array, or nullopt
  /// when the back end failed.
  void post(std::string lane, std::string body,
            std::function<void(std::optional<args>, std::string why)> done) {
    net::outbound_request req;
    req.url = url;
    req.timeout = timeout;
    req.lane = std::move(lane);
    if (!secret.empty())
      req.headers.emplace_back("X-Atrium-Signature", "sha256=" + hmac_sha256_hex(secret, body));
    req.body = std::move(body);
    auto posted = std::chrono::steady_clock::now();
    client->post(std::move(req), [this, keep = client, done = std::move(done), posted](
                                   net::outbound_response r) {
      (void) keep;
      if (r.delivered) // a failure's time is the timeout's or the refusal's, not the back end's
        metrics::process().observe_webhook(std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - posted));
      std::string why;
      if (!r.delivered)
        why = r.error;
      else if (r.status / 100 != 2)
        why = "status " + std::to_string(r.status);
      if (!why.empty()) {
        if (r.delivered)
          refused.fetch_add(1, std::memory_order_relaxed);
        if (why != "shutting down") // atrium is stopping: not the back end's failure
          log_failure(why);
        if (done)
          done(std::nullopt, why);
        return;
      }
      if (!done)
        return;
      auto doc = protocol::parse_json(r.body);
      const rapidjson::Value* ack = nullptr;
      if (doc && doc->IsObject())
        if (auto it = doc->FindMember("ack"); it != doc->MemberEnd() && it->value.IsArray())
          ack = &it->value;
      if (!ack) {
        done(args{}, {});
        return;
      }
      auto converted = protocol::from_json_with_binary(*ack);
      if (!converted) {
        done(std::nullopt, "the answer's ack holds bad base64");
        return;
      }
      done(args::from_json_array(converted->json, std::move(converted->attachments)), {});
    });
  }
};

namespace {

using state = webhooks::state;

std::string lane_of(const std::string& nsp, const std::string& sid) {
  return nsp + '\n' + sid;
}

raw_json failure(const std::string& why) {
  std::string out = R"({"ok":false,"error":)";
  protocol::append_json_string(out, "webhook failed: " + why);
  return raw_json{out + '}'};
}

/// Sends `ev` to the back end; its ack, unless someone answered it already, is the answer's.
void forward(const std::shared_ptr<state>& st, event& ev) {
  auto& s = ev.socket();
  auto body = body_start("event", s.nsp(), s.id(), identity_of(s.data()), s.rooms());
  body += R"(,"event":)";
  protocol::append_json_string(body, ev.name());
  body += R"(,"args":)";
  body += protocol::to_json_with_binary(ev.array(), ev.attachments());
  body += '}';
  std::function<void(std::optional<args>, std::string)> done;
  if (ev.wants_ack())
    done = [reply = ev.take_ack()](std::optional<args> answer, const std::string& why) {
      if (answer)
        reply(*answer);
      else
        reply(args{failure(why)});
    };
  st->post(lane_of(s.nsp(), s.id()), std::move(body), std::move(done));
}

} // namespace

webhooks::webhooks(const webhook_options& opts, std::string secret,
                   std::shared_ptr<net::http_client> client)
  : st_(std::make_shared<state>()) {
  st_->url = opts.url;
  st_->secret = std::move(secret);
  st_->timeout = std::chrono::milliseconds{opts.timeout_ms};
  st_->client = std::move(client);
  for (auto& name : opts.events) {
    if (name == "*")
      st_->all = true;
    else if (name == "connect" || name == "disconnect" || name == "join" || name == "leave")
      st_->lifecycle.insert(name);
    else
      st_->events.insert(name);
  }
}

webhooks::~webhooks() = default;

void webhooks::install(namespace_handle nsp, const std::set<std::string>& answered) {
  auto st = st_;
  for (auto& name : st->events)
    nsp.on_event(name, [st](event& ev) { forward(st, ev); });
  // `*`: every other client event but the app's own commands.
  std::shared_ptr<const std::set<std::string>> skip;
  if (st->all) {
    auto names = answered;
    names.insert(st->events.begin(), st->events.end()); // forwarded by their own listener
    skip = std::make_shared<const std::set<std::string>>(std::move(names));
  }

  nsp.on_connection([st, skip](socket& s) {
    auto lane = lane_of(s.nsp(), s.id());
    if (st->tracks_rooms()) {
      std::lock_guard<std::mutex> guard{st->mtx};
      st->announced.insert(lane);
    }
    if (st->wants("connect"))
      st->post(std::move(lane),
               body_start("connect", s.nsp(), s.id(), identity_of(s.data()), s.rooms()) + '}',
               nullptr);
    if (skip)
      s.on_any([st, skip](event& ev) {
        if (skip->count(ev.name()) == 0)
          forward(st, ev);
      });
  });

  // The rooms are still there while disconnecting; the leaves that follow are not news.
  nsp.on_disconnecting([st](socket& s, disconnect_reason why) {
    if (st->tracks_rooms()) {
      std::lock_guard<std::mutex> guard{st->mtx};
      st->announced.erase(lane_of(s.nsp(), s.id()));
    }
    if (!st->wants("disconnect"))
      return;
    auto body = body_start("disconnect", s.nsp(), s.id(), identity_of(s.data()), s.rooms());
    body += R"(,"reason":)";
    protocol::append_json_string(body, to_string(why));
    st->post(lane_of(s.nsp(), s.id()), body + '}', nullptr);
  });
  if (!st->tracks_rooms())
    return;

  // Joins and leaves however they came (the socket's handlers, the API, another node), told in
  // the socket's actor, so in the order of its events: a join acked before an emit is posted
  // before that emit's webhook. A join before the socket's `connect` is in that one's rooms.
  nsp.on_room_change([st](socket& s, const std::string& room, bool joined) {
    if (room == s.id() || !st->wants(joined ? "join" : "leave"))
      return;
    auto lane = lane_of(s.nsp(), s.id());
    if (!st->announced_now(lane))
      return;
    auto body = body_start(joined ? "join" : "leave", s.nsp(), s.id(), identity_of(s.data()),
                           s.rooms());
    body += R"(,"room":)";
    protocol::append_json_string(body, room);
    st->post(std::move(lane), body + '}', nullptr);
  });
}

std::string webhooks::stats_json() const {
  auto c = st_->client->stats();
  std::string out = "{";
  auto field = [&](const char* name, std::uint64_t v) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(v);
  };
  field("posted", c.posted);
  field("delivered", c.delivered);
  field("failed", c.failed);
  field("timed_out", c.timed_out);
  field("rejected", c.rejected);
  field("refused", st_->refused.load(std::memory_order_relaxed));
  field("queued", c.queued);
  field("in_flight", c.in_flight);
  return out + '}';
}

} // namespace atrium::app
