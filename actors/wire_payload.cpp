#include "actors/wire_payload.hpp"

#include "protocol/json.hpp"

namespace atrium {

wire_packet to_wire(const args& a) {
  return {"[" + a.elements() + "]", a.attachments(), {}};
}

wire_packet to_wire(const payload& p) {
  return to_wire(p.to_args());
}

payload from_wire(wire_packet w) {
  auto doc = protocol::parse_json(w.text);
  if (!doc || !doc->IsArray())
    return {};
  return payload{std::move(*doc), std::move(w.attachments)};
}

} // namespace atrium
