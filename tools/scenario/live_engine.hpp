#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "tools/scenario/engine.hpp"

namespace atrium::scenario {

/// Runs scenarios against real `atrium` processes over real sockets on 127.0.0.1: it starts,
/// stops, kills and restarts them itself and speaks the protocol as a client.
class live_engine final : public engine {
public:
  explicit live_engine(std::string atrium_binary);
  ~live_engine() override;

  const char* name() const override { return "live"; }
  bool deterministic() const override { return false; }
  void start_node(const std::string& node, const std::vector<std::string>& flags) override;
  void stop_node(const std::string& node, stop_node::how how) override;
  std::unique_ptr<client_link> open(const std::string& node, transport mode) override;
  void settle() override {}

private:
  struct process {
    int pid = -1;
    std::uint16_t port = 0;
    std::uint16_t cluster_port = 0;
    std::vector<std::string> flags; // as passed to atrium (scenario shorthands resolved)
  };

  /// Resolves the scenario's cluster shorthands: `--cluster` (a free cluster port) and
  /// `--peer NODE` (that node's cluster address).
  std::vector<std::string> resolve(const std::vector<std::string>& flags,
                                   std::uint16_t& cluster_port) const;

  /// Starts atrium on `port` (0: any) and waits for its start-up line.
  process spawn(const std::vector<std::string>& flags, std::uint16_t port);
  static void end(process& p, int signal);

  std::string binary_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread io_thread_;
  std::map<std::string, process> nodes_;
};

} // namespace atrium::scenario
