#define CAF_SUITE websocket
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "protocol/websocket.hpp"

using namespace atrium::ws;
using kind = client_event::kind;

namespace {

/// A frame as a client sends it: masked with a fixed key.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
  std::string out;
  out += static_cast<char>(first_byte);
  std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() <= 125) {
    out += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int i = 0; i < 8; ++i)
      out += static_cast<char>((std::uint64_t{payload.size()} >> (56 - 8 * i)) & 0xFF);
  }
  const char key[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (masked)
    out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out += masked ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i];
  return out;
}

struct parsed {
  std::vector<std::string> events; // "message:text:..." etc.
  std::size_t used = 0;
};

std::string describe(const client_event& ev) {
  switch (ev.what) {
    case kind::need_more: return "need_more";
    case kind::message: return std::string{"message:"} + (ev.binary ? "binary:" : "text:") + ev.payload;
    case kind::ping: return "ping:" + ev.payload;
    case kind::pong: return "pong:" + ev.payload;
    case kind::close: return "close:" + std::to_string(ev.code) + ":" + ev.payload;
    case kind::failed: return "failed:" + std::to_string(ev.code);
  }
  return "?";
}

/// Every event in `bytes`, until more is needed or the reader fails.
parsed read_all(frame_reader& r, std::string_view bytes) {
  parsed out;
  for (;;) {
    client_event ev;
    auto n = r.next(bytes.substr(out.used), ev);
    out.used += n;
    if (ev.what == kind::need_more) {
      if (n == 0)
        return out;
      continue; // a fragment was taken
    }
    out.events.push_back(describe(ev));
    if (ev.what == kind::failed)
      return out;
  }
}

using strings = std::vector<std::string>;

std::string header(opcode op, std::uint64_t size) {
  auto h = server_frame_header(op, size);
  return std::string{h.view()};
}

} // namespace

CAF_TEST(server frame headers use the shortest length encoding) {
  CAF_CHECK_EQUAL(header(opcode::text, 0), std::string("\x81\x00", 2));
  CAF_CHECK_EQUAL(header(opcode::text, 125), std::string("\x81\x7d"));
  CAF_CHECK_EQUAL(header(opcode::binary, 126), std::string("\x82\x7e\x00\x7e", 4));
  CAF_CHECK_EQUAL(header(opcode::text, 65535), std::string("\x81\x7e\xff\xff"));
  CAF_CHECK_EQUAL(header(opcode::text, 65536),
                  std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  CAF_CHECK_EQUAL(header(opcode::close, 2), std::string("\x88\x02"));
  CAF_CHECK_EQUAL(close_payload(1000, "bye"), std::string("\x03\xe8" "bye"));
}

CAF_TEST(masked frames are unmasked and several fit in one buffer) {
  frame_reader r{1000};
  auto bytes = client_frame(0x81, "4hello") + client_frame(0x82, std::string("\x00\x01\xff", 3))
               + client_frame(0x89, "p") + client_frame(0x8A, "");
  auto out = read_all(r, bytes);
  CAF_CHECK_EQUAL(out.events, (strings{"message:text:4hello", std::string("message:binary:\x00\x01\xff", 18),
                                       "ping:p", "pong:"}));
  CAF_CHECK_EQUAL(out.used, bytes.size());
}

CAF_TEST(a frame split anywhere waits for the rest) {
  auto bytes = client_frame(0x81, std::string(300, 'x'));
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    frame_reader r{1000};
    client_event ev;
    CAF_CHECK_EQUAL(r.next(std::string_view{bytes}.substr(0, cut), ev), 0u);
    CAF_CHECK(ev.what == kind::need_more);
    CAF_CHECK_EQUAL(r.next(bytes, ev), bytes.size());
    CAF_CHECK(ev.what == kind::message);
  }
}

CAF_TEST(fragments join and control frames may come between them) {
  frame_reader r{1000};
  auto bytes = client_frame(0x01, "4he") + client_frame(0x89, "x") + client_frame(0x00, "ll")
               + client_frame(0x80, "o");
  CAF_CHECK_EQUAL(read_all(r, bytes).events, (strings{"ping:x", "message:text:4hello"}));
}

CAF_TEST(what a client must not send fails with the right close code) {
  auto fails = [](std::string bytes, std::size_t max = 1000) {
    frame_reader r{max};
    auto out = read_all(r, bytes);
    return out.events.empty() ? std::string{"nothing"} : out.events.back();
  };
  CAF_CHECK_EQUAL(fails(client_frame(0x81, "4x", false)), "failed:1002");       // unmasked
  CAF_CHECK_EQUAL(fails(client_frame(0xC1, "4x")), "failed:1002");              // RSV1
  CAF_CHECK_EQUAL(fails(client_frame(0x83, "4x")), "failed:1002");              // opcode 3
  CAF_CHECK_EQUAL(fails(client_frame(0x09, "x")), "failed:1002");               // fragmented ping
  CAF_CHECK_EQUAL(fails(client_frame(0x89, std::string(126, 'x'))), "failed:1002");
  CAF_CHECK_EQUAL(fails(client_frame(0x80, "x")), "failed:1002");               // lone continuation
  CAF_CHECK_EQUAL(fails(client_frame(0x01, "a") + client_frame(0x81, "b")), "failed:1002");
  CAF_CHECK_EQUAL(fails(client_frame(0x81, "\xc3\x28")), "failed:1007");        // bad UTF-8
  CAF_CHECK_EQUAL(fails(client_frame(0x88, "\x03")), "failed:1002");            // 1-byte close
  CAF_CHECK_EQUAL(fails(client_frame(0x88, std::string("\x03\xed", 2))), "failed:1002"); // 1005
  CAF_CHECK_EQUAL(fails(client_frame(0x81, std::string(11, 'x')), 10), "failed:1009");
  CAF_CHECK_EQUAL(fails(client_frame(0x01, "123456") + client_frame(0x80, "7890a"), 10),
                  "failed:1009");
}

CAF_TEST(an oversized message is refused from its header alone) {
  frame_reader r{1000};
  auto bytes = client_frame(0x82, std::string(70000, 'x'));
  client_event ev;
  r.next(std::string_view{bytes}.substr(0, 14), ev); // header and key only
  CAF_CHECK_EQUAL(describe(ev), "failed:1009");
  r.next(bytes, ev);
  CAF_CHECK_EQUAL(describe(ev), "failed:1009"); // and it stays failed
}

CAF_TEST(close frames carry their code and reason) {
  frame_reader r{1000};
  CAF_CHECK_EQUAL(read_all(r, client_frame(0x88, std::string("\x03\xe8" "bye", 5))).events,
                  (strings{"close:1000:bye"}));
  frame_reader empty{1000};
  CAF_CHECK_EQUAL(read_all(empty, client_frame(0x88, "")).events, (strings{"close:1005:"}));
}
