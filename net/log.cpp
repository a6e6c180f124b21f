#include "net/log.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include "actors/boundary/log.hpp"

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
  if (!atrium::log::enabled(atrium::log::level::warn))
    return;
  auto message = ec.message();
  atrium::log::warn("network error", {{"operation", what}, {"error", message}},
                    std::string{"atrium net: "} + what + ": " + message);
}

} // namespace atrium::net
