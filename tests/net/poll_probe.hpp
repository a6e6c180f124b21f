#pragma once

// What the net tests hand a session directly: a polling request that remembers its answer,
// and a packet made of one text.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "actors/boundary/connection.hpp"
#include "net/polling.hpp"

namespace atrium::net::test {

/// One polling request: remembers its answer.
struct recording_poll final : poll_responder {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<std::string> body;

  void respond(unsigned, std::string b) override {
    {
      std::lock_guard<std::mutex> guard{mtx};
      body = std::move(b);
    }
    cv.notify_all();
  }
  /// The answer, waiting at most `bound` for it.
  std::optional<std::string> wait(std::chrono::milliseconds bound = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait_for(guard, bound, [&] { return body.has_value(); });
    return body;
  }
};

inline packet_ptr text(const std::string& t) {
  auto p = std::make_shared<encoded_packet>();
  p->text = t;
  return p;
}

} // namespace atrium::net::test
