#include "actors/packets.hpp"

#include <stdexcept>

#include "protocol/json.hpp"
#include "protocol/socketio.hpp"

namespace atrium::packets {

namespace {

std::string array_of(std::string_view head, const args& a) {
  std::string data;
  data.reserve(head.size() + a.elements().size() + 3);
  data += '[';
  data += head;
  if (!head.empty() && !a.empty())
    data += ',';
  data += a.elements();
  data += ']';
  return data;
}

packet_ptr event_of(const std::string& nsp, std::string_view name, const args& a,
                    std::optional<std::uint64_t> ack_id, std::string offset) {
  std::string quoted;
  protocol::append_json_string(quoted, name);
  sio::packet p;
  p.type = a.attachments().empty() ? sio::packet_type::event : sio::packet_type::binary_event;
  p.nsp = nsp;
  p.id = ack_id;
  p.data = array_of(quoted, a);
  p.attachments = a.attachments().size();
  return encoded(p, a.attachments(), std::move(offset));
}

} // namespace

packet_ptr event(const std::string& nsp, std::string_view name, const args& a,
                 std::optional<std::uint64_t> ack_id) {
  return event_of(nsp, name, a, ack_id, {});
}

void refuse_reserved(std::string_view name) {
  if (sio::is_reserved_event(name))
    throw std::invalid_argument("\"" + std::string{name} + "\" is a reserved event name");
}

packet_ptr emitted_event(const std::string& nsp, std::string_view name, const args& a,
                         std::optional<std::uint64_t> ack_id) {
  refuse_reserved(name);
  return event(nsp, name, a, ack_id);
}

packet_ptr recoverable_event(const std::string& nsp, std::string_view name, const args& a,
                             std::string offset) {
  refuse_reserved(name);
  auto with_offset = a;
  with_offset.add(offset);
  return event_of(nsp, name, with_offset, std::nullopt, std::move(offset));
}

packet_ptr ack(const std::string& nsp, std::uint64_t id, const args& a) {
  sio::packet p;
  p.type = a.attachments().empty() ? sio::packet_type::ack : sio::packet_type::binary_ack;
  p.nsp = nsp;
  p.id = id;
  p.data = array_of({}, a);
  p.attachments = a.attachments().size();
  return encoded(p, a.attachments());
}

packet_ptr connect(const std::string& nsp, std::string_view sid, std::string_view pid) {
  sio::packet p;
  p.type = sio::packet_type::connect;
  p.nsp = nsp;
  p.data = R"({"sid":)";
  protocol::append_json_string(p.data, sid);
  if (!pid.empty()) {
    p.data += R"(,"pid":)";
    protocol::append_json_string(p.data, pid);
  }
  p.data += '}';
  return encoded(p);
}

} // namespace atrium::packets
