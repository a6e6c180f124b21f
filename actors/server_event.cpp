#include "atrium/server_event.hpp"

namespace atrium {

server_event::server_event(std::string name, payload args, reply_fn reply)
  : payload(std::move(args)),
    name_(std::move(name)),
    reply_(std::move(reply)) {
}

void server_event::ack(const args& a) {
  if (auto reply = take_ack())
    reply(a);
}

server_event::reply_fn server_event::take_ack() {
  auto reply = std::move(reply_);
  reply_ = nullptr;
  return reply;
}

} // namespace atrium
