#include "net/echo_handler.hpp"

#include "net/engine_session.hpp"

namespace atrium::net {

namespace {

class echo_handler final : public session_handler {
public:
  explicit echo_handler(engine_session& session) : session_(session) {}

  void message(std::string data, bool binary) override {
    if (!binary)
      data.insert(data.begin(), '4');
    session_.push_frame(make_frame(std::move(data), binary));
  }

  void closed(disconnect_reason) override {}

private:
  engine_session& session_; // owns this handler
};

} // namespace

std::unique_ptr<session_handler> make_echo_handler(engine_session& session) {
  return std::make_unique<echo_handler>(session);
}

} // namespace atrium::net
