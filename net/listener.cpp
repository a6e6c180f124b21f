#include "net/listener.hpp"

#include <chrono>
#include <system_error>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/http_connection.hpp"
#include "net/log.hpp"

namespace atrium::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

void check(const error_code& ec, const char* what) {
  if (ec)
    throw std::system_error(ec.value(), std::system_category(), what);
}

} // namespace

listener::listener(asio::io_context& ioc, const tcp::endpoint& at, const http_routes& routes)
  : ioc_(ioc), acceptor_(asio::make_strand(ioc)), routes_(routes) {
  error_code ec;
  acceptor_.open(at.protocol(), ec);
  check(ec, "open");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  check(ec, "set_option");
  acceptor_.bind(at, ec);
  check(ec, "bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  check(ec, "listen");
  port_ = acceptor_.local_endpoint().port();
}

void listener::run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
  });
}

unsigned short listener::port() const {
  return port_;
}

void listener::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](
                                                    error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open())
      return;
    if (ec) {
      // Out of descriptors, say: pause a moment instead of spinning, then accept again.
      fail(ec, "accept");
      auto pause = std::make_shared<asio::steady_timer>(self->acceptor_.get_executor(),
                                                        std::chrono::milliseconds(50));
      pause->async_wait([self, pause](error_code) {
        if (self->acceptor_.is_open())
          self->do_accept();
      });
      return;
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored); // small frames should leave at once
      serve_http(std::move(socket), self->routes_);
    }
    self->do_accept();
  });
}

} // namespace atrium::net
