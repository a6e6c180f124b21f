// libFuzzer target: an HTTP request as net/ receives it. Beast parses it with the server's
// limits; then the request target is split and decoded, and a body is decoded as a polling
// payload of Socket.IO packets.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/url.hpp"
#include "protocol/engineio.hpp"
#include "protocol/socketio.hpp"

using namespace atrium;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(100000);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done())
    return 0;
  auto& req = parser.get();
  auto target = std::string_view{req.target().data(), req.target().size()};
  auto parsed = net::parse_target(target);
  if (parsed.path.size() > target.size())
    __builtin_trap();
  if (auto packets = eio::decode_payload(req.body(), 100000))
    for (auto& p : *packets)
      if (p.type == eio::packet_type::message && !p.binary)
        (void) sio::decode(p.data);
  return 0;
}
