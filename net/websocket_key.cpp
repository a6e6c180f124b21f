#include "net/websocket_key.hpp"

#include <boost/beast/http/field.hpp>

namespace atrium::net {

namespace {

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
         || c == '/';
}

} // namespace

bool valid_websocket_key(std::string_view key) noexcept {
  // 16 bytes are 5 groups of 3 (20 characters) and 1 byte left: 2 characters and "==".
  if (key.size() != 24 || key.substr(22) != "==")
    return false;
  for (char c : key.substr(0, 22))
    if (!is_base64_char(c))
      return false;
  return true;
}

bool valid_websocket_key(const http_request& req) {
  auto field = boost::beast::http::field::sec_websocket_key;
  if (req.count(field) != 1)
    return false;
  auto key = req[field];
  return valid_websocket_key(std::string_view{key.data(), key.size()});
}

} // namespace atrium::net
