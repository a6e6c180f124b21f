// What the actors hold for an engine session: a session_connection that forwards to the
// session and does not own it, so an actor outliving its client keeps nothing of it alive.
#define CAF_SUITE net_session_connection
#include <caf/test/dsl.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/engine_session.hpp"
#include "net/polling.hpp"
#include "tests/net/poll_probe.hpp"
#include "net/session_connection.hpp"
#include "net/session_registry.hpp"

using namespace atrium;
using namespace atrium::net;
namespace asio = boost::asio;
using atrium::net::test::recording_poll;
using atrium::net::test::text;

// Composition, not inheritance: the session is reached only through its connection object.
static_assert(!std::is_base_of_v<connection, engine_session>);

namespace {

struct fixture {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  session_registry registry;
  std::shared_ptr<engine_session> session =
    std::make_shared<engine_session>(ioc, session_config{}, registry, "sid",
                                     transport_kind::polling, handshake{});
  std::thread io{[this] { ioc.run(); }};

  ~fixture() {
    if (session)
      session->shutdown(disconnect_reason::server_shutting_down);
    session.reset();
    work.reset();
    ioc.stop();
    io.join();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_connection_tests, fixture)

CAF_TEST(a send through the connection reaches the session queue) {
  connection_ptr conn = std::make_shared<session_connection>(session);
  auto open = std::make_shared<recording_poll>();
  asio::post(session->executor(), [this, open] { session->open_polling(open); });
  CAF_REQUIRE(open->wait());
  auto get = std::make_shared<recording_poll>();
  asio::post(session->executor(), [this, get] { session->poll_get(get); });
  conn->send(text("42[\"x\"]"));
  auto body = get->wait();
  CAF_REQUIRE(body);
  CAF_CHECK_EQUAL(*body, "42[\"x\"]");
}

CAF_TEST(the connection does not keep its session alive and outlives it safely) {
  connection_ptr conn = std::make_shared<session_connection>(session);
  std::weak_ptr<engine_session> watch = session;
  session.reset();
  CAF_CHECK(watch.expired()); // the actors' handle owns nothing of the session
  // An actor that still holds the handle may go on using it: nothing happens.
  conn->send(text("42[\"late\"]"));
  conn->send(text("42[\"late\"]"), urgency::droppable);
  conn->release("/");
  conn->close();
}

CAF_TEST_FIXTURE_SCOPE_END()
