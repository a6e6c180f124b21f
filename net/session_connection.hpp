#pragma once

// The `connection` the actors hold for an engine session. The session is not a connection
// itself: this small object is, and forwards to it. It holds the session weakly, so a socket
// actor that outlives its session (or the whole server) keeps neither alive, and whatever it
// sends then is dropped. One virtual call and one weak-pointer lock per send, as when the
// session was the connection and this wrapper locked it just the same.

#include <memory>
#include <string>
#include <utility>

#include "actors/boundary/connection.hpp"
#include "net/engine_session.hpp"

namespace atrium::net {

class session_connection final : public connection {
public:
  explicit session_connection(std::weak_ptr<engine_session> s) : session_(std::move(s)) {}

  void send(packet_ptr packet, urgency u) override {
    if (auto s = session_.lock())
      s->send(std::move(packet), u);
  }

  void release(const std::string& nsp) override {
    if (auto s = session_.lock())
      s->release(nsp);
  }

  void close() override {
    if (auto s = session_.lock())
      s->close();
  }

private:
  std::weak_ptr<engine_session> session_;
};

} // namespace atrium::net
