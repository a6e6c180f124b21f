#include "net/engine_endpoint.hpp"

#include <cctype>
#include <chrono>
#include <map>

#include <boost/asio/post.hpp>

#include "actors/boundary/random_id.hpp"
#include "actors/boundary/metrics.hpp"
#include "net/close_log.hpp"
#include "net/server_stats.hpp"
#include "net/websocket_transport.hpp"

namespace atrium::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

const std::string* param(const request_target& t, const char* key) {
  auto i = t.query.find(key);
  return i == t.query.end() ? nullptr : &i->second;
}

/// The checks every Engine.IO request passes first: the protocol version and a known
/// transport. Returns the error to answer with, if any.
std::optional<request_error> check_common(const request_target& t) {
  auto* transport = param(t, "transport");
  if (!transport || (*transport != "polling" && *transport != "websocket"))
    return request_error::unknown_transport;
  auto* eio = param(t, "EIO");
  if (!eio || *eio != "4")
    return request_error::unsupported_protocol_version;
  return std::nullopt;
}

/// The body of a refused handshake: Engine.IO's "Forbidden", saying which limit refused it.
std::string limit_body(session_registry::admission verdict) {
  if (verdict == session_registry::admission::full_for_address)
    return R"({"code":4,"message":"Too many connections from this address"})";
  return R"({"code":4,"message":"Too many connections"})";
}

// A client refused while the server drains reconnects elsewhere (or here, restarted).
const std::string draining_body = R"({"code":4,"message":"Server is shutting down"})";

handshake make_handshake(const http_request& req, const request_target& target,
                         const std::string& remote) {
  handshake hs;
  std::map<std::string, std::string> headers; // merged by name, then stored compactly
  for (const auto& field : req) {
    std::string name{field.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = headers.emplace(std::move(name), std::string{field.value()});
    if (!inserted) {
      it->second += ", ";
      it->second.append(field.value().data(), field.value().size());
    }
  }
  hs.headers = headers;
  hs.query = target.query;
  hs.address = remote;
  hs.url = std::string{req.target()};
  hs.issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  hs.secure = false;
  return hs;
}

} // namespace

engine_endpoint::engine_endpoint(asio::io_context& ioc, session_config cfg,
                                 handler_factory factory, session_limits limits)
  : ioc_(ioc), cfg_(cfg), factory_(std::move(factory)), limits_(limits), registry_(limits) {
}

std::shared_ptr<engine_session> engine_endpoint::create(transport_kind kind,
                                                        const http_request& req,
                                                        const request_target& target,
                                                        const std::string& remote,
                                                        std::string& refusal) {
  if (draining_.load(std::memory_order_relaxed)) {
    refused(session_registry::admission::full, remote, true);
    refusal = draining_body;
    return nullptr;
  }
  for (;;) {
    auto sid = random_id();
    auto s = std::make_shared<engine_session>(ioc_, cfg_, registry_, sid, kind,
                                              make_handshake(req, target, remote));
    s->set_handler(factory_(*s));
    auto verdict = registry_.add(s);
    if (verdict == session_registry::admission::added) {
      // A drain that began meanwhile may have missed it (its snapshot came first): refused
      // like the others, so that none is left open until the drain's deadline. Such a drain
      // set the flag before taking the registry's mutex, which this add took after it.
      if (draining_.load(std::memory_order_relaxed)) {
        registry_.remove(s->sid(), s.get());
        refused(verdict, remote, true);
        refusal = draining_body;
        return nullptr;
      }
      return s;
    }
    if (verdict != session_registry::admission::sid_taken) {
      refused(verdict, remote, false);
      refusal = limit_body(verdict);
      return nullptr;
    }
  }
}

std::shared_ptr<engine_session> engine_endpoint::polling(http_request&& req,
                                                         const request_target& target,
                                                         const std::string& remote,
                                                         poll_responder_ptr r) {
  if (auto err = check_common(target)) {
    r->respond(400, error_body(*err));
    return nullptr;
  }
  if (*param(target, "transport") != "polling") {
    r->respond(400, error_body(request_error::bad_request)); // websocket without an upgrade
    return nullptr;
  }
  auto method = req.method();
  auto* sid = param(target, "sid");
  if (!sid) {
    if (method != http::verb::get) {
      r->respond(400, error_body(request_error::bad_handshake_method));
      return nullptr;
    }
    std::string refusal;
    auto s = create(transport_kind::polling, req, target, remote, refusal);
    if (!s) {
      r->respond(503, std::move(refusal));
      return nullptr;
    }
    asio::post(s->executor(), [s, r = std::move(r)] { s->open_polling(r); });
    return s;
  }
  auto s = registry_.find(*sid);
  if (!s) {
    r->respond(400, error_body(request_error::unknown_sid));
    return nullptr;
  }
  if (method == http::verb::get) {
    asio::post(s->executor(), [s, r = std::move(r)]() mutable { s->poll_get(std::move(r)); });
  } else if (method == http::verb::post) {
    asio::post(s->executor(), [s, r = std::move(r), body = std::move(req.body())] {
      s->poll_post(r, body);
    });
  } else {
    r->respond(400, error_body(request_error::bad_request));
    return nullptr;
  }
  return s;
}

std::optional<http_refusal> engine_endpoint::check_websocket(const request_target& target,
                                                             const std::string& remote) const {
  if (auto err = check_common(target))
    return http_refusal{400, error_body(*err)};
  if (*param(target, "transport") != "websocket")
    return http_refusal{400, error_body(request_error::bad_request)};
  auto* sid = param(target, "sid");
  if (sid && !registry_.find(*sid))
    return http_refusal{400, error_body(request_error::unknown_sid)};
  if (!sid) {
    if (draining_.load(std::memory_order_relaxed)) {
      refused(session_registry::admission::full, remote, true);
      return http_refusal{503, draining_body};
    }
    auto verdict = registry_.admits(remote);
    if (verdict != session_registry::admission::added) {
      refused(verdict, remote, false);
      return http_refusal{503, limit_body(verdict)};
    }
  }
  return std::nullopt;
}

void engine_endpoint::websocket(asio::ip::tcp::socket socket, http_request&& req,
                                const request_target& target, const std::string& remote) {
  if (auto* sid = param(target, "sid")) {
    auto s = registry_.find(*sid);
    if (!s) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    accept_websocket(std::move(socket), std::move(req), std::move(s), ws_role::upgrade,
                     cfg_.max_payload);
    return;
  }
  std::string refusal; // the upgrade is accepted already: the client only sees a close
  auto s = create(transport_kind::websocket, req, target, remote, refusal);
  if (!s) { // a limit was reached since check_websocket
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  accept_websocket(std::move(socket), std::move(req), std::move(s), ws_role::open,
                   cfg_.max_payload);
}

void engine_endpoint::too_large(const request_target& target) {
  auto* sid = param(target, "sid");
  if (!sid)
    return;
  if (auto s = registry_.find(*sid))
    asio::post(s->executor(), [s] { s->poll_too_large(); });
}

void engine_endpoint::refused(session_registry::admission verdict, const std::string& remote,
                              bool draining) const {
  if (cfg_.stats)
    ++cfg_.stats->connections_refused;
  metrics::count(metrics::connections_refused);
  if (draining) {
    log_refusal(refusal_cause::draining, remote, "the server is stopping");
  } else if (verdict == session_registry::admission::full_for_address) {
    log_refusal(refusal_cause::too_many_from_address, remote,
                std::to_string(limits_.max_per_address) + " at once (--max-connections-per-address)");
  } else {
    log_refusal(refusal_cause::too_many_connections, remote,
                std::to_string(limits_.max_sessions) + " at once (--max-connections)");
  }
}

void engine_endpoint::drain() {
  draining_.store(true, std::memory_order_relaxed);
  // Closed as a restart needs it: no Socket.IO DISCONNECT (after one the official client
  // gives up; after a transport close it reconnects by itself), queued frames out first.
  for (auto& s : registry_.snapshot())
    s->drain();
}

void engine_endpoint::shutdown(disconnect_reason why) {
  for (auto& s : registry_.snapshot())
    s->shutdown(why);
}

} // namespace atrium::net
