#include "tools/bench/target.hpp"

#include <boost/asio/io_context.hpp>

namespace atrium::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::optional<connect_target> resolve_target(const server_url& url, std::string& error) {
  asio::io_context resolver_io;
  tcp::resolver resolver{resolver_io};
  boost::system::error_code ec;
  auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || results.empty()) {
    error = "cannot resolve " + url.text + ": " + (ec ? ec.message() : "no address");
    return std::nullopt;
  }
  connect_target target;
  target.endpoint = results.begin()->endpoint();
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) {
      target.endpoint = entry.endpoint();
      break;
    }
  }
  bool v6 = url.host.find(':') != std::string::npos;
  target.host_header = (v6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
  return target;
}

std::vector<connect_target> resolve_targets(const std::vector<server_url>& urls,
                                            std::string& error) {
  std::vector<connect_target> targets;
  targets.reserve(urls.size());
  for (const auto& url : urls) {
    auto target = resolve_target(url, error);
    if (!target)
      return {};
    targets.push_back(std::move(*target));
  }
  return targets;
}

} // namespace atrium::bench
