// atrium: the Socket.IO server binary. Its application is the rooms app on every namespace.

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <set>
#include <string>

#include "atrium/http_server.hpp"
#include "atrium/server.hpp"
#include "tools/atrium/options.hpp"
#include "tools/atrium/rooms_app.hpp"

int main(int argc, char** argv) {
  // Block the shutdown signals before any thread starts, so every thread inherits the mask and
  // only sigwait() below receives them.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string problem;
  auto opts = atrium::cli::parse(argc, argv, problem);
  if (!opts) {
    std::fprintf(stderr, "atrium: %s\n\n%s", problem.c_str(), atrium::cli::usage().c_str());
    return 2;
  }
  if (opts->help) {
    std::fputs(atrium::cli::usage().c_str(), stdout);
    return 0;
  }

  atrium::server_options server_opts;
  server_opts.threads = opts->actor_threads;
  server_opts.batch_scheduling = opts->batch_scheduling;
  server_opts.cluster = opts->cluster;
  std::unique_ptr<atrium::server> server;
  try {
    server = std::make_unique<atrium::server>(server_opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atrium: %s\n", e.what());
    return 1;
  }
  auto& io = *server;
  std::string names;
  // Install each namespace's app once, even if it was named twice.
  std::set<std::string> installed;
  for (auto& name : opts->namespaces) {
    if (!installed.insert(name).second)
      continue;
    names += names.empty() ? name : ", " + name;
    atrium::app::install_rooms_app(io.of(name), opts->policy);
    if (opts->conformance)
      atrium::app::install_conformance_app(io.of(name));
  }

  atrium::net::http_server http{opts->http, io};
  try {
    http.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atrium: cannot listen on %s:%u: %s\n", opts->http.host.c_str(),
                 static_cast<unsigned>(opts->http.port), e.what());
    return 1;
  }
  std::printf("atrium listening on http://%s:%u (namespaces: %s%s)\n", opts->http.host.c_str(),
              static_cast<unsigned>(http.port()), names.c_str(),
              opts->conformance ? "; conformance mode" : "");
  if (opts->cluster.port != 0)
    std::printf("atrium cluster: node %s:%u\n", opts->cluster.host.c_str(),
                static_cast<unsigned>(opts->cluster.port));
  std::fflush(stdout);

  // Meanwhile, once a second, hand the memory glibc holds free back to the system: it keeps
  // what a large teardown frees (the ~100,000 room actors of clients that left at their room
  // limit: 160 MB) in fragmented arena heaps it never trims on its own. A trim costs about
  // 13 µs when there is nothing to give back, 10 ms after 10,000 clients left.
  const timespec second{1, 0};
  while (sigtimedwait(&shutdown_signals, nullptr, &second) < 0)
    malloc_trim(0);
  http.stop();
  io.shutdown();
  return 0;
}
