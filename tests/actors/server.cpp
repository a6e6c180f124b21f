#define CAF_SUITE server

// The public API on a real, multi-threaded actor system: what an application sees.

#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <mutex>

#include <caf/test/unit_test.hpp>

#include "actors/atrium.hpp"

using namespace atrium;

namespace {

/// A connection that other threads write to; tests wait for what they expect, bounded.
struct waiting_connection final : connection {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> texts;
  std::vector<std::string> released;

  send_status send(packet_ptr packet, bool) override {
    std::lock_guard<std::mutex> guard{mtx};
    texts.push_back(packet->text);
    cv.notify_all();
    return send_status::ok;
  }
  void release(const std::string& nsp) override {
    std::lock_guard<std::mutex> guard{mtx};
    released.push_back(nsp);
    cv.notify_all();
  }
  void close() override {}

  bool wait_for(const std::string& text) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] {
      return std::find(texts.begin(), texts.end(), text) != texts.end();
    });
  }
  bool wait_released() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] { return !released.empty(); });
  }
};

} // namespace

CAF_TEST(an application drives sockets through the public API) {
  server_options opts;
  opts.threads = 2;
  server io{opts};
  io.of("/").on_connection([](socket& s) {
    s.join("a");
    s.emit("joined"); // sent after the join went to the supervisor
  });
  auto c1 = std::make_shared<waiting_connection>();
  auto c2 = std::make_shared<waiting_connection>();
  auto e1 = io.connect("/", c1, handshake{}, "{}");
  auto e2 = io.connect("/", c2, handshake{}, "{}");
  CAF_REQUIRE(e1 && e2);
  CAF_CHECK(io.connect("/nowhere", c1, handshake{}, "{}") == nullptr);
  CAF_REQUIRE(c1->wait_for(R"(42["joined"])"));
  CAF_REQUIRE(c2->wait_for(R"(42["joined"])"));

  auto rooms = io.of("/").rooms();
  CAF_REQUIRE_EQUAL(rooms.count("a"), 1u);
  CAF_CHECK_EQUAL(rooms["a"].size(), 2u);
  CAF_CHECK_EQUAL(io.of("/").sids().size(), 2u);

  io.to("a").emit("news", {"from a plain thread"});
  CAF_CHECK(c1->wait_for(R"(42["news","from a plain thread"])"));
  CAF_CHECK(c2->wait_for(R"(42["news","from a plain thread"])"));

  io.of("/").in("a").disconnect_sockets();
  CAF_CHECK(c1->wait_for("41"));
  CAF_CHECK(c2->wait_for("41"));
  CAF_CHECK(c1->wait_released());
  CAF_CHECK(c2->wait_released());
  CAF_CHECK(io.of("/").sids().empty());
  // Leaving scope destroys the server: it must not wait for anything still alive.
}
