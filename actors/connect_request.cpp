#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "actors/socket_actor.hpp"
#include "actors/socket_home.hpp"
#include "atrium/namespace.hpp"
#include "protocol/json.hpp"

namespace atrium {

struct connect_request::state {
  std::shared_ptr<const socket_home> home;
  handshake_ptr hs;
  std::size_t next = 0; // the middleware after this one
  std::atomic<bool> decided{false};
  std::mutex mtx; // set_data may come from any thread
  std::optional<std::string> data;
};

connect_request connect_request_for(socket_state& st, std::size_t next) {
  auto request = std::make_shared<connect_request::state>();
  request->home = st.home();
  request->hs = st.hs;
  request->next = next;
  return connect_request{std::move(request)};
}

const handshake& connect_request::handshake() const {
  return *st_->hs;
}

void connect_request::set_data(const raw_json& data) const {
  if (!protocol::parse_json(data.text))
    throw std::invalid_argument("atrium: socket data is not one JSON value: " + data.text);
  std::lock_guard<std::mutex> guard{st_->mtx};
  st_->data = data.text;
}

void connect_request::accept() const {
  if (st_->decided.exchange(true))
    return;
  std::optional<std::string> data;
  {
    std::lock_guard<std::mutex> guard{st_->mtx};
    data = std::move(st_->data);
  }
  st_->home->call([data = std::move(data), next = st_->next](socket_state& sock) {
    if (data)
      sock.data = std::make_shared<const std::string>(*data);
    sock.run_middlewares(next);
  });
}

void connect_request::refuse(connect_refusal why) const {
  if (st_->decided.exchange(true))
    return;
  st_->home->call([why = std::move(why)](socket_state& sock) { sock.refuse_connect(why); });
}

} // namespace atrium
