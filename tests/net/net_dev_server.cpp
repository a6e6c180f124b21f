// The net/ layer alone, configured the way the official Engine.IO v4 and Socket.IO v5 suites
// expect (ping 300/200, maxPayload 1e6, connectTimeout 1000, echo at /engine.io/), with the
// conformance application standing in for the actors.
//
//   net_dev_server [port [threads]]     (default 3000, 1 I/O thread; stops on SIGINT/SIGTERM)

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <pthread.h>

#include "actors/boundary/socket_endpoint.hpp"
#include "atrium/http_server.hpp"
#include "tests/net/conformance_app.hpp"

int main(int argc, char** argv) {
  // Block the signals before any thread starts, then wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  atrium::net::server_options opts;
  opts.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 3000);
  opts.threads = static_cast<unsigned>(argc > 2 ? std::atoi(argv[2]) : 1);
  opts.ping_interval_ms = 300;
  opts.ping_timeout_ms = 200;
  opts.max_payload = 1000000;
  opts.connect_timeout_ms = 1000;
  opts.engineio_echo = true;
  auto registry = std::make_shared<atrium::net_test::conformance_registry>();
  atrium::net::http_server server{opts, registry};
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "net_dev_server: cannot start: %s\n", e.what());
    return 1;
  }
  std::printf("net_dev_server listening on port %u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  auto t0 = std::chrono::steady_clock::now();
  server.stop();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  std::printf("net_dev_server stopped in %lld ms\n", static_cast<long long>(ms.count()));
  return 0;
}
