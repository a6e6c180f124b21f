// The metrics registry (actors/boundary/metrics.hpp) and its text exposition: exact sums over
// threads, bounded labels, the histogram's cumulative buckets.
#define CAF_SUITE metrics
#include <caf/test/dsl.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/boundary/metrics.hpp"
#include "atrium/disconnect_reason.hpp"

using namespace atrium::metrics;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos
         || text.compare(0, line.size() + 1, line + "\n") == 0;
}

} // namespace

CAF_TEST(increments from several threads sum exactly) {
  auto r = std::make_unique<registry>();
  constexpr int threads = 8;
  constexpr int per_thread = 200000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&r, t] {
      for (int i = 0; i < per_thread; ++i) {
        r->add(deliveries);
        r->add(bytes_out, 3);
        // A gauge going up on one thread and down on another still nets out.
        r->add(connections_websocket, t % 2 == 0 ? 1 : -1);
      }
    });
  for (auto& w : workers)
    w.join();
  CAF_CHECK_EQUAL(r->value(deliveries), std::int64_t{threads} * per_thread);
  CAF_CHECK_EQUAL(r->value(bytes_out), std::int64_t{threads} * per_thread * 3);
  CAF_CHECK_EQUAL(r->value(connections_websocket), 0);
  CAF_CHECK_EQUAL(r->value(joins), 0);
}

CAF_TEST(more threads than shards still sum exactly) {
  auto r = std::make_unique<registry>();
  constexpr int threads = static_cast<int>(registry::shard_count) + 16;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i)
        r->add(joins);
    });
  for (auto& w : workers)
    w.join();
  CAF_CHECK_EQUAL(r->value(joins), std::int64_t{threads} * 1000);
}

CAF_TEST(every family has help and type and counters end in total) {
  auto r = std::make_unique<registry>();
  r->add(joins, 2);
  r->add(disconnects_first + 2); // ping_timeout
  r->add(limit_closes_first + 1); // queue_full
  auto text = render(*r);
  CAF_CHECK(has_line(text, "# TYPE atrium_room_joins_total counter"));
  CAF_CHECK(has_line(text, "atrium_room_joins_total 2"));
  CAF_CHECK(has_line(text, "atrium_disconnects_total{reason=\"ping_timeout\"} 1"));
  CAF_CHECK(has_line(text, "atrium_disconnects_total{reason=\"transport_close\"} 0"));
  CAF_CHECK(has_line(text, "atrium_limit_closes_total{reason=\"queue_full\"} 1"));
  CAF_CHECK(has_line(text, "atrium_connections{transport=\"polling\"} 0"));
  // Each TYPE line follows its own HELP line, and counters are named *_total.
  std::size_t pos = 0;
  int families = 0;
  while ((pos = text.find("# TYPE ", pos)) != std::string::npos) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos + 7, end - pos - 7);
    auto name = line.substr(0, line.find(' '));
    auto type = line.substr(line.find(' ') + 1);
    CAF_CHECK(text.find("# HELP " + name + " ") != std::string::npos);
    if (type == "counter")
      CAF_CHECK(name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0);
    ++families;
    pos = end;
  }
  CAF_CHECK_GREATER_OR_EQUAL(families, 20);
  CAF_CHECK_EQUAL(text.back(), '\n');
}

CAF_TEST(namespaces are labels and bounded) {
  auto r = std::make_unique<registry>();
  auto chat = r->namespace_index("/chat");
  CAF_CHECK_EQUAL(r->namespace_index("/chat"), chat);
  auto odd = r->namespace_index("/a\"b\\c");
  r->add(sockets_first + chat, 3);
  r->add(sockets_first + odd, 1);
  r->add(rooms_first + chat, 2);
  auto text = render(*r);
  CAF_CHECK(has_line(text, "atrium_sockets{namespace=\"/chat\"} 3"));
  CAF_CHECK(has_line(text, "atrium_sockets{namespace=\"/a\\\"b\\\\c\"} 1"));
  CAF_CHECK(has_line(text, "atrium_rooms{namespace=\"/chat\"} 2"));
  CAF_CHECK(text.find(std::string{overflow_namespace}) == std::string::npos);
  for (std::size_t i = 0; i < 2 * max_namespaces; ++i)
    CAF_CHECK_LESS_OR_EQUAL(r->namespace_index("/n" + std::to_string(i)), max_namespaces);
  auto past = r->namespace_index("/one-too-many");
  CAF_CHECK_EQUAL(past, max_namespaces);
  r->add(sockets_first + past, 5);
  text = render(*r);
  CAF_CHECK(has_line(text, "atrium_sockets{namespace=\"_other\"} 5"));
}

CAF_TEST(api statuses are an enumeration) {
  auto r = std::make_unique<registry>();
  r->api_request(200);
  r->api_request(200);
  r->api_request(401);
  r->api_request(418);
  r->api_request(299);
  auto text = render(*r);
  CAF_CHECK(has_line(text, "atrium_api_requests_total{code=\"200\"} 2"));
  CAF_CHECK(has_line(text, "atrium_api_requests_total{code=\"401\"} 1"));
  CAF_CHECK(has_line(text, "atrium_api_requests_total{code=\"other\"} 2"));
  CAF_CHECK(has_line(text, "atrium_api_requests_total{code=\"504\"} 0"));
}

CAF_TEST(the webhook histogram is cumulative) {
  auto r = std::make_unique<registry>();
  using std::chrono::microseconds;
  r->observe_webhook(microseconds{1000});    // 0.001 s: the first bucket
  r->observe_webhook(microseconds{5000});    // exactly on the 0.005 bound: still in it
  r->observe_webhook(microseconds{70000});   // 0.07 s: le 0.1
  r->observe_webhook(microseconds{60000000}); // a minute: +Inf only
  auto text = render(*r);
  const std::string h = "atrium_webhook_duration_seconds";
  CAF_CHECK(has_line(text, "# TYPE " + h + " histogram"));
  CAF_CHECK(has_line(text, h + "_bucket{le=\"0.005\"} 2"));
  CAF_CHECK(has_line(text, h + "_bucket{le=\"0.05\"} 2"));
  CAF_CHECK(has_line(text, h + "_bucket{le=\"0.1\"} 3"));
  CAF_CHECK(has_line(text, h + "_bucket{le=\"10\"} 3"));
  CAF_CHECK(has_line(text, h + "_bucket{le=\"+Inf\"} 4"));
  CAF_CHECK(has_line(text, h + "_count 4"));
  CAF_CHECK(has_line(text, h + "_sum 60.076000"));
}

CAF_TEST(disconnect labels are socket.io reasons in snake case) {
  for (std::size_t i = 0; i < disconnect_labels.size(); ++i) {
    std::string reason = atrium::to_string(static_cast<atrium::disconnect_reason>(i));
    for (auto& c : reason)
      if (c == ' ')
        c = '_';
    CAF_CHECK_EQUAL(std::string{disconnect_labels[i]}, reason);
  }
}
