#include "atrium/server.hpp"

#include "actors/server_core.hpp"

namespace atrium {

server::server(server_options opts) : core_(std::make_shared<server_core>(opts)) {
}

server::~server() {
  // A transport may still hold the core: it then refuses new clients, and the actors end
  // once it lets go.
  core_->shutdown();
}

namespace_handle server::of(std::string name) {
  return namespace_handle{core_, core_->of(std::move(name))};
}

server& server::use(middleware check) {
  of("/").use(std::move(check));
  return *this;
}

server& server::use(async_middleware check) {
  of("/").use(std::move(check));
  return *this;
}

server& server::on_connection(connection_handler handler) {
  of("/").on_connection(std::move(handler));
  return *this;
}

std::vector<std::string> server::peers() {
  return core_->peers();
}

std::size_t server::hand_off_sessions(std::chrono::milliseconds timeout) {
  return core_->hand_off_sessions(timeout);
}

void server::shutdown() {
  core_->shutdown();
}

} // namespace atrium
