#pragma once

// A real, multi-threaded actor system seen from a test thread: a connection the actors write
// to, a hand-off for callbacks' results (each waited for with a bound), and a way in for
// clients.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/boundary/connection.hpp"
#include "actors/server_core.hpp"
#include "atrium/server.hpp"

namespace atrium::test {

/// A connection that other threads write to; tests wait for what they expect, bounded.
struct waiting_connection final : connection {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> texts;
  std::vector<std::string> released;
  bool closed = false;

  void send(packet_ptr packet, urgency) override {
    std::lock_guard<std::mutex> guard{mtx};
    texts.push_back(packet->text);
    cv.notify_all();
  }
  void release(const std::string& nsp) override {
    std::lock_guard<std::mutex> guard{mtx};
    released.push_back(nsp);
    cv.notify_all();
  }
  void close() override {
    std::lock_guard<std::mutex> guard{mtx};
    closed = true;
    cv.notify_all();
  }

  bool wait_for(const std::string& text) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] {
      return std::find(texts.begin(), texts.end(), text) != texts.end();
    });
  }
  bool wait_closed() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] { return closed; });
  }
  bool wait_released() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] { return !released.empty(); });
  }
};

/// Hands a callback's result from an actor thread to the test thread, bounded.
template <class T>
struct handoff {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<T> value;

  void put(T x) {
    std::lock_guard<std::mutex> guard{mtx};
    value = std::move(x);
    cv.notify_all();
  }
  std::optional<T> take() {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait_for(guard, std::chrono::seconds(5), [&] { return value.has_value(); });
    return std::move(value);
  }
};

/// A server on two scheduler threads: handlers and supervisors really run in parallel.
inline server_options two_threads() {
  server_options opts;
  opts.threads = 2;
  return opts;
}

/// A client connecting to `nsp` of `io` with `auth` as its CONNECT payload, as net/ would.
inline socket_endpoint_ptr connect(server& io, const std::shared_ptr<waiting_connection>& conn,
                                   const std::string& nsp = "/", std::string auth = "{}") {
  auto hs = std::make_shared<handshake>();
  hs->auth = auth;
  return server_access::core(io)->connect(nsp, conn, std::move(hs), std::move(auth));
}

} // namespace atrium::test
