#include "actors/outlet.hpp"

namespace atrium {

void send_now(const outlet& o, direct_frame& f, const std::string& nsp) {
  if (f.packet)
    o.conn->send(std::move(f.packet), f.how);
  switch (f.then) {
    case then_do::nothing:
      return;
    case then_do::release:
      o.conn->release(nsp);
      return;
    case then_do::release_and_close:
      o.conn->release(nsp);
      o.conn->close();
      return;
  }
}

} // namespace atrium
