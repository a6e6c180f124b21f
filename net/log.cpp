#include "net/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace atrium::net {

bool debug_enabled() {
  static const bool enabled = [] {
    auto* v = std::getenv("ATRIUM_NET_DEBUG");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return enabled;
}

namespace {

// The errors every connection ends with sooner or later: not worth a line in normal operation.
bool expected(const boost::system::error_code& ec) {
  namespace err = boost::asio::error;
  return ec == err::eof || ec == err::operation_aborted || ec == err::connection_reset
         || ec == err::broken_pipe || ec == err::not_connected || ec == err::bad_descriptor
         || ec == boost::beast::error::timeout;
}

} // namespace

void fail(const boost::system::error_code& ec, const char* what) {
  if (!debug_enabled() && expected(ec))
    return;
  // Beast's HTTP and WebSocket errors (bad request, closed, message too big...) are the
  // peer's doing, and handled by closing its connection.
  if (!debug_enabled() && std::string_view{ec.category().name()}.substr(0, 11) == "boost.beast")
    return;
  std::fprintf(stderr, "atrium net: %s: %s\n", what, ec.message().c_str());
}

} // namespace atrium::net
