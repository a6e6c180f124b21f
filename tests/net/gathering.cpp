// The write gatherer with an engine session over a recording WebSocket: which frames leave in
// which write, on a server that counts as busy or not (the load is given, not measured).
#define CAF_SUITE net_gathering
#include <caf/test/dsl.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/engine_session.hpp"
#include "net/session_registry.hpp"
#include "net/write_gatherer.hpp"

using namespace atrium;
using namespace atrium::net;
namespace asio = boost::asio;

using batches = std::vector<std::vector<std::string>>;

namespace {

/// A WebSocket that takes every write at once and remembers each as the texts of its frames.
struct recording_link final : ws_link {
  std::weak_ptr<engine_session> session;
  std::mutex mtx;
  std::condition_variable cv;
  batches writes;

  void write(frame_batch batch) override {
    std::vector<std::string> texts;
    for (auto& f : batch)
      texts.emplace_back(f.bytes);
    {
      std::lock_guard<std::mutex> guard{mtx};
      writes.push_back(std::move(texts));
    }
    cv.notify_all();
    if (auto s = session.lock())
      asio::post(s->executor(), [s, this] { s->ws_drained(this); });
  }
  void close() override {}

  bool wait_for(std::size_t count) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds(5), [&] { return writes.size() >= count; });
  }
  batches taken() {
    std::lock_guard<std::mutex> guard{mtx};
    return writes;
  }
};

packet_ptr text(const std::string& t) {
  auto p = std::make_shared<encoded_packet>();
  p->text = t;
  return p;
}

struct fixture {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  session_registry registry;
  double load = 1.0; // read on the gatherer's strand only after start
  std::unique_ptr<write_gatherer> gatherer;
  std::thread io;
  std::shared_ptr<engine_session> session;
  std::shared_ptr<recording_link> link = std::make_shared<recording_link>();

  void start(std::chrono::milliseconds window, double busy_load) {
    load = busy_load;
    gatherer = std::make_unique<write_gatherer>(ioc, window, [this] { return load; });
    gatherer->start();
    io = std::thread{[this] { ioc.run(); }};
    session_config cfg;
    cfg.gatherer = gatherer.get();
    session = std::make_shared<engine_session>(ioc, cfg, registry, "sid", transport_kind::websocket,
                                               handshake{});
    link->session = session;
    asio::post(session->executor(), [this] { session->open_websocket(link); });
    CAF_REQUIRE(link->wait_for(1)); // the open packet, written at once
    // The first load sample is taken as the gatherer starts; wait until it counts.
    for (int i = 0; i < 500 && gatherer->gathering() != (busy_load > 0.8); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CAF_REQUIRE_EQUAL(gatherer->gathering(), busy_load > 0.8);
  }

  ~fixture() {
    gatherer->stop();
    session.reset();
    work.reset();
    ioc.stop();
    if (io.joinable())
      io.join();
  }
};

} // namespace

CAF_TEST(busy means above 80 percent of the cpus and idle below 50) {
  CAF_CHECK(!busy_after(false, 0.5));
  CAF_CHECK(!busy_after(false, 0.8));
  CAF_CHECK(busy_after(false, 0.81));
  CAF_CHECK(busy_after(true, 0.6)); // gathering lowered the load: it stays on
  CAF_CHECK(busy_after(true, 0.5));
  CAF_CHECK(!busy_after(true, 0.49));
}

CAF_TEST_FIXTURE_SCOPE(gathering_tests, fixture)

CAF_TEST(on a busy server broadcasts wait and an answer takes them along in order) {
  start(std::chrono::seconds(30), 1.0);
  // Written to a moment ago (the open packet): the broadcasts wait for the window.
  session->send(text("4a"), urgency::gathered);
  CAF_CHECK_EQUAL(gatherer->waiting(), 1u);
  session->send(text("4b"), urgency::droppable); // a volatile one joins the waiting write
  session->send(text("4c"), urgency::gathered);
  CAF_CHECK_EQUAL(gatherer->waiting(), 1u);
  session->send(text("4answer"), urgency::now);
  CAF_REQUIRE(link->wait_for(2));
  auto writes = link->taken();
  CAF_CHECK_EQUAL(writes.size(), 2u);
  CAF_CHECK_EQUAL(writes.back(), (std::vector<std::string>{"4a", "4b", "4c", "4answer"}));
}

CAF_TEST(waiting broadcasts leave by themselves when the window has passed) {
  start(std::chrono::milliseconds(20), 1.0);
  session->send(text("4a"), urgency::gathered);
  session->send(text("4b"), urgency::gathered);
  CAF_CHECK_EQUAL(gatherer->waiting(), 1u);
  CAF_REQUIRE(link->wait_for(2));
  CAF_CHECK_EQUAL(link->taken().back(), (std::vector<std::string>{"4a", "4b"}));
  CAF_CHECK_EQUAL(gatherer->waiting(), 0u);
}

CAF_TEST(an idle server writes every broadcast at once) {
  start(std::chrono::seconds(30), 0.1);
  session->send(text("4a"), urgency::gathered);
  CAF_CHECK_EQUAL(gatherer->waiting(), 0u);
  CAF_REQUIRE(link->wait_for(2));
  CAF_CHECK_EQUAL(link->taken().back(), (std::vector<std::string>{"4a"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
