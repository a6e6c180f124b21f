// The client's Socket.IO layer without I/O: frames out, packets in.
#define CAF_SUITE client_frames
#include <caf/test/dsl.hpp>

#include "tools/client/frames.hpp"

using namespace atrium;
using namespace atrium::client;

namespace {

sio::packet event(std::string data, std::optional<std::uint64_t> id = {}) {
  sio::packet p;
  p.type = sio::packet_type::event;
  p.data = std::move(data);
  p.id = id;
  return p;
}

} // namespace

CAF_TEST(a packet becomes one text frame and one binary frame per attachment) {
  std::vector<out_frame> out;
  auto bytes = append_packet_frames(out, event(R"(["a",1])", 7), {});
  CAF_REQUIRE_EQUAL(out.size(), 1u);
  CAF_CHECK_EQUAL(out[0].bytes, R"(427["a",1])");
  CAF_CHECK(!out[0].binary);
  CAF_CHECK_EQUAL(bytes, out[0].bytes.size());
  out.clear();
  // Attachments make it a BINARY_EVENT announcing exactly as many as it carries.
  append_packet_frames(out, event(R"(["b",{"_placeholder":true,"num":0}])"),
                       {std::string{"\0\1", 2}});
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  CAF_CHECK_EQUAL(out[0].bytes, R"(451-["b",{"_placeholder":true,"num":0}])");
  CAF_CHECK(out[1].binary);
  CAF_CHECK_EQUAL(out[1].bytes, std::string("\0\1", 2));
  out.clear();
  sio::packet c;
  c.type = sio::packet_type::connect;
  c.nsp = "/chat";
  c.data = R"({"token":"x"})";
  append_packet_frames(out, c, {});
  CAF_CHECK_EQUAL(out[0].bytes, R"(40/chat,{"token":"x"})");
}

CAF_TEST(server packets decode and binary packets wait for their attachments) {
  packet_assembler a{sio::limits{}};
  inbound in;
  using st = packet_assembler::status;
  CAF_CHECK(a.text(R"(0{"sid":"abc"})", in) == st::complete);
  CAF_CHECK(in.packet.type == sio::packet_type::connect);
  CAF_CHECK_EQUAL(in.packet.data, R"({"sid":"abc"})");
  CAF_CHECK(a.text(R"(4/chat,{"message":"no"})", in) == st::complete);
  CAF_CHECK(in.packet.type == sio::packet_type::connect_error);
  CAF_CHECK_EQUAL(in.packet.nsp, "/chat");
  CAF_CHECK(a.text("1", in) == st::complete);
  CAF_CHECK(in.packet.type == sio::packet_type::disconnect);
  CAF_CHECK(a.text(R"(312[{"ok":true}])", in) == st::complete);
  CAF_CHECK(in.packet.type == sio::packet_type::ack);
  CAF_CHECK(in.packet.id == std::uint64_t{12});
  CAF_CHECK(a.text(R"(52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", in)
            == st::pending);
  CAF_CHECK(a.binary("one", in) == st::pending);
  CAF_CHECK(a.binary("two", in) == st::complete);
  CAF_CHECK(in.packet.type == sio::packet_type::binary_event);
  CAF_CHECK_EQUAL(in.attachments, (std::vector<std::string>{"one", "two"}));
}

CAF_TEST(protocol violations are reported) {
  packet_assembler a{sio::limits{}};
  inbound in;
  using st = packet_assembler::status;
  CAF_CHECK(a.binary("stray", in) == st::invalid);
  CAF_CHECK(a.text("2[", in) == st::invalid);
  CAF_CHECK(a.text(R"(51-["x",{"_placeholder":true,"num":0}])", in) == st::pending);
  CAF_CHECK(a.text(R"(2["y"])", in) == st::invalid); // text while an attachment is due
}
