#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace atrium::net {

struct http_routes;

/// Accepts connections and starts an HTTP connection, on a strand of its own, for each.
class listener : public std::enable_shared_from_this<listener> {
public:
  /// Opens, binds and listens at once; throws std::system_error when it cannot.
  listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at,
           const http_routes& routes);

  void run();
  /// Stops accepting (from any thread).
  void stop();
  unsigned short port() const;

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const http_routes& routes_;
  unsigned short port_ = 0;
};

} // namespace atrium::net
