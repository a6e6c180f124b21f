// The write gatherer with an engine session over a recording WebSocket: which frames leave in
// which write, on a server that counts as busy or not (the load is given, not measured).
#define CAF_SUITE net_gathering
#include <caf/test/dsl.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/engine_session.hpp"
#include "net/polling.hpp"
#include "tests/net/poll_probe.hpp"
#include "net/session_registry.hpp"
#include "net/write_gatherer.hpp"

using namespace atrium;
using namespace atrium::net;
namespace asio = boost::asio;
using atrium::net::test::recording_poll;
using atrium::net::test::text;

using batches = std::vector<std::vector<std::string>>;

namespace {

/// A WebSocket that takes every write at once and remembers each as the texts of its frames.
struct recording_link final : ws_link {
  std::weak_ptr<engine_session> session;
  std::mutex mtx;
  std::condition_variable cv;
  batches writes;

  void write(frame_batch batch) override {
    // Drained first, seen second: whoever sees the write and then posts to the strand comes
    // after the drain.
    if (auto s = session.lock())
      asio::post(s->executor(), [s, this] { s->ws_drained(this); });
    std::vector<std::string> texts;
    for (auto& f : batch)
      texts.emplace_back(f.bytes);
    {
      std::lock_guard<std::mutex> guard{mtx};
      writes.push_back(std::move(texts));
    }
    cv.notify_all();
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

struct fixture {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  session_registry registry;
  double load = 1.0; // read on the gatherer's strand only after start
  std::unique_ptr<write_gatherer> gatherer;
  std::thread io;
  std::shared_ptr<engine_session> session;
  std::shared_ptr<recording_link> link = std::make_shared<recording_link>();

  void start(std::chrono::milliseconds window, double busy_load,
             transport_kind kind = transport_kind::websocket) {
    load = busy_load;
    gatherer = std::make_unique<write_gatherer>(ioc, window, [this] { return load; });
    gatherer->start();
    io = std::thread{[this] { ioc.run(); }};
    session_config cfg;
    cfg.gatherer = gatherer.get();
    session = std::make_shared<engine_session>(ioc, cfg, registry, "sid", kind, handshake{});
    if (kind == transport_kind::websocket) {
      link->session = session;
      asio::post(session->executor(), [this] { session->open_websocket(link); });
      CAF_REQUIRE(link->wait_for(1)); // the open packet, written at once
      settle(); // its write has drained: the session is idle again
    } else {
      auto open = std::make_shared<recording_poll>();
      asio::post(session->executor(), [this, open] { session->open_polling(open); });
      CAF_REQUIRE(open->wait(std::chrono::seconds(5)));
    }
    // The first load sample is taken as the gatherer starts; wait until it counts.
    for (int i = 0; i < 500 && gatherer->gathering() != (busy_load > 0.8); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CAF_REQUIRE_EQUAL(gatherer->gathering(), busy_load > 0.8);
  }

  /// A polling GET, handed to the session on its strand.
  std::shared_ptr<recording_poll> get() {
    auto r = std::make_shared<recording_poll>();
    asio::post(session->executor(), [this, r] { session->poll_get(r); });
    settle();
    return r;
  }

  /// Waits until the session's strand has run everything posted to it so far.
  void settle() {
    std::promise<void> done;
    asio::post(session->executor(), [&done] { done.set_value(); });
    CAF_REQUIRE(done.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
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
  auto writes = link->taken(); // a copy: CAF_CHECK_EQUAL keeps a reference into it
  CAF_CHECK_EQUAL(writes.back(), (std::vector<std::string>{"4a", "4b"}));
  CAF_CHECK_EQUAL(gatherer->waiting(), 0u);
}

CAF_TEST(a poll that takes gathered broadcasts early leaves later ones to the next poll) {
  start(std::chrono::seconds(2), 1.0, transport_kind::polling);
  auto first = get();
  session->send(text("4a"), urgency::gathered); // not written to yet: at once
  CAF_CHECK_EQUAL(first->wait(std::chrono::seconds(5)), std::optional<std::string>{"4a"});
  session->send(text("4b"), urgency::gathered); // answered a moment ago: waits
  CAF_CHECK_EQUAL(gatherer->waiting(), 1u);
  // A poll comes first and takes it; the next broadcast must still reach the poll after.
  auto second = get();
  CAF_CHECK_EQUAL(second->wait(std::chrono::seconds(5)), std::optional<std::string>{"4b"});
  auto third = get();
  session->send(text("4c"), urgency::gathered);
  CAF_CHECK_EQUAL(third->wait(std::chrono::seconds(10)), std::optional<std::string>{"4c"});
}

CAF_TEST(an idle server writes every broadcast at once) {
  start(std::chrono::seconds(30), 0.1);
  session->send(text("4a"), urgency::gathered);
  CAF_CHECK_EQUAL(gatherer->waiting(), 0u);
  CAF_REQUIRE(link->wait_for(2));
  auto writes = link->taken();
  CAF_CHECK_EQUAL(writes.back(), (std::vector<std::string>{"4a"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
