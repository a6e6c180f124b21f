#include "tools/atrium/client_auth.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <variant>

#include "actors/boundary/log.hpp"
#include "atrium/socket.hpp"
#include "net/close_log.hpp"
#include "net/http_client.hpp"
#include "protocol/json.hpp"
#include "tools/atrium/identity.hpp"
#include "tools/atrium/token_verifier.hpp"

namespace atrium::app {

namespace {

std::int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject())
    return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

/// Whether a CONNECT payload carries no credentials at all (`{}`, or no such member).
bool anonymous(const rapidjson::Value& auth, const char* credential) {
  return member(auth, credential) == nullptr;
}

/// Puts each socket in its user's room and its granted rooms, and closes it when its
/// credentials expire. Runs before any other connection handler, so theirs see those rooms.
void install_granted_rooms(namespace_handle& nsp, const auth_options& opts) {
  nsp.on_connection([prefix = opts.user_room_prefix, leeway = opts.jwt_leeway_s](socket& s) {
    if (s.data().empty())
      return; // anonymous
    auto id = identity_of(s.data());
    std::vector<std::string> rooms = id.rooms;
    if (!id.user.empty())
      rooms.push_back(prefix + id.user);
    if (!rooms.empty())
      s.join(rooms);
    if (id.expires) {
      // At exp; a token accepted within the leeway lives until the leeway is over too, or its
      // client would reconnect with it again at once.
      auto now = now_s();
      auto until = *id.expires > now ? *id.expires : *id.expires + static_cast<std::int64_t>(leeway);
      auto delay = std::chrono::seconds{std::max<std::int64_t>(until - now, 0)};
      s.after(delay, [](socket& expired) { expired.close_connection(); });
    }
  });
}

} // namespace

void install_token_auth(namespace_handle nsp, std::shared_ptr<const token_verifier> verifier,
                        const auth_options& opts) {
  nsp.use([verifier, optional = opts.optional](connect_request request) {
    auto auth = protocol::parse_json(request.handshake().auth);
    if (!auth || anonymous(*auth, "token")) {
      if (optional)
        request.accept();
      else
        request.refuse({"authentication required", R"({"reason":"no token"})"});
      return;
    }
    auto token = member(*auth, "token");
    if (!token->IsString()) {
      request.refuse({"invalid token", {}});
      return;
    }
    auto verdict = verifier->verify({token->GetString(), token->GetStringLength()}, now_s());
    if (auto* why = std::get_if<std::string>(&verdict)) {
      request.refuse({*why, {}});
      return;
    }
    auto& claims = std::get<token_claims>(verdict);
    identity id;
    id.user = claims.sub;
    id.data_json = claims.data_json;
    id.rooms = claims.rooms;
    id.allow_join = claims.allow_join;
    id.expires = claims.exp;
    request.set_data(raw_json{to_socket_data(id)});
    request.accept();
  });
  install_granted_rooms(nsp, opts);
}

namespace {

void append_map(std::string& out, const shared_string_map& m) {
  out += '{';
  for (auto& [name, value] : m) {
    if (out.back() != '{')
      out += ',';
    protocol::append_json_string(out, name);
    out += ':';
    protocol::append_json_string(out, value);
  }
  out += '}';
}

std::string hook_request(const std::string& nsp, const handshake& hs) {
  std::string body = R"({"namespace":)";
  protocol::append_json_string(body, nsp);
  body += R"(,"auth":)";
  body += hs.auth; // compact JSON already
  body += R"(,"headers":)";
  append_map(body, hs.headers);
  body += R"(,"query":)";
  append_map(body, hs.query);
  body += R"(,"address":)";
  protocol::append_json_string(body, hs.address);
  return body + '}';
}

bool strings(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (!v.IsArray())
    return false;
  for (auto& item : v.GetArray()) {
    if (!item.IsString())
      return false;
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return true;
}

/// A failure of the back end (never of the client): one record each, rate-limited as the
/// close lines are, so that a dead hook cannot flood the log.
void hook_failed(const std::string& url, const std::string& what) {
  if (!log::enabled(log::level::warn))
    return;
  static std::mutex mtx;
  static net::line_budget budget{net::close_log_rate, net::close_log_burst};
  std::uint64_t left_out = 0;
  {
    std::lock_guard<std::mutex> guard{mtx};
    if (!budget.admit(net::line_budget::clock::now(), left_out))
      return;
  }
  std::string line;
  if (log::current_format() == log::format::text)
    line = "atrium: connect hook " + url + " failed: " + what
           + (left_out ? " [" + std::to_string(left_out) + " more failures not logged]" : "");
  log::warn("connect hook failed", {{"url", url}, {"error", what}, {"not_logged", left_out}},
            line);
}

/// The hook's answer to `request`: accept with the identity it gives, or refuse.
void decide(const connect_request& request, const net::outbound_response& answer,
            const std::string& url) {
  if (!answer.delivered) {
    if (answer.error != "shutting down") // atrium is stopping: not the back end's failure
      hook_failed(url, answer.error);
    request.refuse({"authentication unavailable", {}});
    return;
  }
  auto doc = protocol::parse_json(answer.body);
  if (answer.status / 100 != 2 || !doc || !doc->IsObject()) {
    hook_failed(url, answer.status / 100 != 2 ? "status " + std::to_string(answer.status)
                                              : "an answer that is not a JSON object");
    request.refuse({"authentication unavailable", {}});
    return;
  }
  auto ok = member(*doc, "ok");
  if (!ok || !ok->IsTrue()) {
    auto message = member(*doc, "message");
    request.refuse({message && message->IsString() ? message->GetString() : "unauthorized",
                    {}});
    return;
  }
  identity id;
  auto user = member(*doc, "user");
  if (user && user->IsString())
    id.user.assign(user->GetString(), user->GetStringLength());
  else if (user && user->IsNumber())
    id.user = protocol::to_json(*user);
  auto rooms = member(*doc, "rooms");
  auto allow = member(*doc, "allow_join");
  auto data = member(*doc, "data");
  std::vector<std::string> patterns;
  if ((rooms && !strings(*rooms, id.rooms)) || (allow && !strings(*allow, patterns))
      || (data && !data->IsObject() && !data->IsNull())) {
    hook_failed(url, "an answer whose rooms, allow_join or data have the wrong type");
    request.refuse({"authentication unavailable", {}}); // the hook is broken, not the client
    return;
  }
  if (allow)
    id.allow_join = std::move(patterns);
  if (data && data->IsObject())
    id.data_json = protocol::to_json(*data);
  request.set_data(raw_json{to_socket_data(id)});
  request.accept();
}

} // namespace

void install_connect_hook(namespace_handle nsp, std::shared_ptr<net::http_client> client,
                          const auth_options& opts) {
  nsp.use([client, name = nsp.name(), url = opts.connect_hook_url,
           timeout = opts.connect_hook_timeout_ms, optional = opts.optional](connect_request request) {
    if (optional) {
      auto auth = protocol::parse_json(request.handshake().auth);
      if (auth && auth->IsObject() && auth->MemberCount() == 0) {
        request.accept();
        return;
      }
    }
    net::outbound_request post;
    post.url = url;
    post.body = hook_request(name, request.handshake());
    post.timeout = std::chrono::milliseconds{timeout};
    client->post(std::move(post),
                 [request, url](net::outbound_response answer) { decide(request, answer, url); });
  });
  install_granted_rooms(nsp, opts);
}

} // namespace atrium::app
