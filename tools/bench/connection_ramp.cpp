#include "tools/bench/connection_ramp.hpp"

namespace atrium::bench {

connection_ramp::connection_ramp(boost::asio::io_context& io,
                                 const std::vector<connect_target>& targets,
                                 const std::vector<boost::asio::ip::address>& sources,
                                 connection::handler& handler, plan p)
  : io_(io), targets_(targets), sources_(sources), handler_(handler), plan_(p),
    connections_(p.count) {}

void connection_ramp::start_more() {
  while (started_ < plan_.count && started_ - settled_ < plan_.max_in_flight) {
    auto i = started_++;
    connections_[i] = std::make_unique<connection>(io_, targets_[target_of(i)], handler_,
                                                   plan_.first_id + i, plan_.footprint);
    if (auth_)
      connections_[i]->set_connect_auth(auth_(i));
    connections_[i]->start(sources_.empty() ? nullptr : &sources_[i % sources_.size()]);
  }
}

void connection_ramp::settle() {
  ++settled_;
  start_more();
}

std::string connection_ramp::name_of(const connection& c, const char* role,
                                     const std::vector<server_url>& urls) const {
  auto i = index_of(c);
  std::string name = std::string{role} + " " + std::to_string(i) + " (" + urls[target_of(i)].text;
  if (!sources_.empty())
    name += " from " + sources_[i % sources_.size()].to_string();
  return name + ")";
}

void connection_ramp::abort_all() {
  for (auto& c : connections_)
    if (c)
      c->abort();
}

} // namespace atrium::bench
