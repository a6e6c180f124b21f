#pragma once

#include <map>
#include <memory>
#include <string>

#include "tools/scenario/engine.hpp"

namespace atrium {
class server;
}

namespace atrium::scenario {

/// Runs scenarios on the actors alone: each node is an atrium::server with the rooms app on
/// CAF's deterministic test coordinator; clients are links that stand where net/ would be. No
/// network, no timing: settle() runs every actor until all are idle.
class inprocess_engine final : public engine {
public:
  inprocess_engine();
  ~inprocess_engine() override;

  const char* name() const override { return "inprocess"; }
  bool deterministic() const override { return true; }
  void start_node(const std::string& node, const std::vector<std::string>& flags) override;
  void stop_node(const std::string& node, stop_node::how how) override;
  std::unique_ptr<client_link> open(const std::string& node, transport mode) override;
  void settle() override;

private:
  std::map<std::string, std::unique_ptr<server>> nodes_;
};

} // namespace atrium::scenario
