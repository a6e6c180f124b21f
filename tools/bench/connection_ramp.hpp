// Opening many connections without flooding the server's accept queue: at most max_in_flight of
// them are between start and "settled" (ready for the workload, or failed) at any time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "tools/bench/connection.hpp"
#include "tools/bench/target.hpp"

namespace atrium::bench {

class connection_ramp {
public:
  struct plan {
    std::size_t count = 0;
    std::size_t max_in_flight = 128;
    std::size_t first_id = 0;  // connection ids are first_id + index, so one handler can tell
                               // the connections of several ramps apart
    connection::footprint footprint = connection::footprint::normal;
  };

  /// Connection i goes to targets[i % targets.size()], from sources[i % sources.size()] if
  /// any. Both must outlive the ramp.
  connection_ramp(boost::asio::io_context& io, const std::vector<connect_target>& targets,
                  const std::vector<boost::asio::ip::address>& sources,
                  connection::handler& handler, plan p);

  /// The CONNECT's auth object of connection `index` (connection::set_connect_auth), for the
  /// connections started from now on.
  void set_auth(std::function<std::string(std::size_t index)> auth) { auth_ = std::move(auth); }
  /// Starts connections until max_in_flight are unsettled or every one has started.
  void start_more();
  /// The workload has done with connecting one connection (call once per connection): the
  /// next may start.
  void settle();

  bool owns(const connection& c) const {
    return c.id() >= plan_.first_id && c.id() < plan_.first_id + plan_.count;
  }
  std::size_t index_of(const connection& c) const { return c.id() - plan_.first_id; }
  connection& at(std::size_t index) { return *connections_[index]; }
  bool started(std::size_t index) const { return connections_[index] != nullptr; }
  std::size_t target_of(std::size_t index) const { return index % targets_.size(); }
  /// How error lines name a connection of this ramp: "ROLE INDEX (URL[ from SOURCE])", which
  /// tells a reader where it went. `urls` are the --url the targets were resolved from.
  std::string name_of(const connection& c, const char* role,
                      const std::vector<server_url>& urls) const;

  std::size_t size() const { return plan_.count; }
  std::size_t started_count() const { return started_; }
  std::size_t settled_count() const { return settled_; }
  bool all_settled() const { return settled_ == plan_.count; }

  /// Closes every started connection; their pending handlers still run later, so the ramp
  /// must outlive one more turn of the loop.
  void abort_all();

private:
  boost::asio::io_context& io_;
  const std::vector<connect_target>& targets_;
  const std::vector<boost::asio::ip::address>& sources_;
  connection::handler& handler_;
  plan plan_;
  std::function<std::string(std::size_t)> auth_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::size_t started_ = 0;
  std::size_t settled_ = 0;
};

} // namespace atrium::bench
