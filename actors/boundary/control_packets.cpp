#include "actors/boundary/control_packets.hpp"

#include <memory>

#include "protocol/json.hpp"

namespace atrium::packets {

packet_ptr encoded(const sio::packet& p, std::vector<std::string> attachments,
                   std::string offset) {
  auto out = std::make_shared<encoded_packet>();
  out->text = '4';
  out->text += sio::encode(p);
  out->attachments = std::move(attachments);
  out->offset = std::move(offset);
  return out;
}

packet_ptr connect_error(const std::string& nsp, std::string_view message,
                         std::string_view data_json) {
  sio::packet p;
  p.type = sio::packet_type::connect_error;
  p.nsp = nsp;
  p.data = R"({"message":)";
  protocol::append_json_string(p.data, message);
  if (!data_json.empty()) {
    p.data += R"(,"data":)";
    p.data += data_json;
  }
  p.data += '}';
  return encoded(p);
}

packet_ptr disconnect(const std::string& nsp) {
  sio::packet p;
  p.type = sio::packet_type::disconnect;
  p.nsp = nsp;
  return encoded(p);
}

packet_ptr ack_value(const std::string& nsp, std::uint64_t id, std::string_view json_value) {
  sio::packet p;
  p.type = sio::packet_type::ack;
  p.nsp = nsp;
  p.id = id;
  p.data.reserve(json_value.size() + 2);
  p.data += '[';
  p.data += json_value;
  p.data += ']';
  return encoded(p);
}

} // namespace atrium::packets
