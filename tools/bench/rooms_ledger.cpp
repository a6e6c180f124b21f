#include "tools/bench/rooms_ledger.hpp"

#include <algorithm>
#include <stdexcept>

namespace atrium::bench {

rooms_ledger::rooms_ledger(std::uint32_t clients, std::uint32_t rooms, std::uint32_t per_client,
                           std::uint32_t union_size, std::uint32_t window, std::uint64_t seed)
  : clients_(clients), per_client_(per_client), union_size_(union_size), window_(window),
    rng_(seed), members_(rooms),
    stamps_(static_cast<std::size_t>(clients) * window, 0), union_marks_(clients, 0) {
  if (per_client > rooms || union_size > rooms || window == 0)
    throw std::logic_error("rooms_ledger: per_client and union_size must not exceed rooms");
  client_rooms_.reserve(static_cast<std::size_t>(clients) * per_client);
  for (std::uint32_t c = 0; c < clients; ++c) {
    auto first = client_rooms_.size();
    sample(rooms, per_client, client_rooms_);
    for (auto i = first; i < client_rooms_.size(); ++i)
      members_[client_rooms_[i]].push_back(c);
  }
}

// Floyd's algorithm: `count` draws whatever n is, no rejection loop.
void rooms_ledger::sample(std::uint32_t n, std::uint32_t count, std::vector<std::uint32_t>& out) {
  auto first = out.size();
  for (std::uint32_t j = n - count; j < n; ++j) {
    auto t = std::uniform_int_distribution<std::uint32_t>{0, j}(rng_);
    auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
    out.push_back(std::find(begin, out.end(), t) == out.end() ? t : j);
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

std::uint64_t rooms_ledger::add_message() {
  if (in_flight() >= window_)
    throw std::logic_error("rooms_ledger: a message beyond the window");
  auto seq = next();
  auto first = targets_.size();
  sample(room_count(), union_size_, targets_);
  message m;
  for (auto i = first; i < targets_.size(); ++i) {
    for (auto client : members_[targets_[i]]) {
      if (union_marks_[client] != seq + 1) {
        union_marks_[client] = seq + 1;
        ++m.expected;
      }
    }
  }
  messages_.push_back(m);
  advance(); // a message to empty rooms is complete at once
  return seq;
}

bool rooms_ledger::is_recipient(std::uint32_t client, std::uint64_t seq) const {
  const auto* mine = rooms_of(client);
  const auto* targets = targets_of(seq);
  for (std::uint32_t t = 0; t < union_size_; ++t)
    for (std::uint32_t i = 0; i < per_client_; ++i)
      if (mine[i] == targets[t])
        return true;
  return false;
}

rooms_ledger::verdict rooms_ledger::deliver(std::uint32_t client, std::uint64_t seq) {
  if (seq >= next())
    return verdict::unknown;
  if (seq < forgotten_until_)
    return verdict::ignored;
  if (!is_recipient(client, seq))
    return verdict::unexpected;
  // Complete and retired: every recipient has it already.
  if (seq < base_)
    return verdict::duplicate;
  auto& stamp = stamps_[static_cast<std::size_t>(client) * window_ + seq % window_];
  // 32 bits of seq + 1: a false match would take 2^32 messages in one run.
  auto mark = static_cast<std::uint32_t>(seq + 1);
  if (stamp == mark)
    return verdict::duplicate;
  stamp = mark;
  ++messages_[seq].delivered;
  if (seq == base_)
    advance();
  return verdict::first;
}

void rooms_ledger::advance() {
  while (base_ < next() && complete(base_))
    ++base_;
}

void rooms_ledger::forget_all() {
  base_ = next();
  forgotten_until_ = next();
}

std::uint64_t rooms_ledger::expected_since(std::uint64_t from) const {
  std::uint64_t sum = 0;
  for (auto s = std::max(from, forgotten_until_); s < next(); ++s)
    sum += messages_[s].expected;
  return sum;
}

std::uint64_t rooms_ledger::missing_since(std::uint64_t from) const {
  std::uint64_t sum = 0;
  for (auto s = std::max(from, forgotten_until_); s < next(); ++s)
    sum += messages_[s].expected - messages_[s].delivered;
  return sum;
}

} // namespace atrium::bench
