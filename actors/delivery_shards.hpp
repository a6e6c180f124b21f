#pragma once

// A namespace's delivery shards as the actors that send to them see them (the shards
// themselves: delivery_shard.hpp).

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>

namespace atrium {

struct delivery_shards {
  /// How far a shard has come: every ticket of a number up to `finished` that went to it is
  /// carried out. Written by the shard, read by sockets' actors deciding whether their own
  /// frames may skip it.
  struct progress {
    std::atomic<std::uint64_t> finished{0};
  };

  std::vector<caf::actor> actors;
  std::unique_ptr<progress[]> done; // one per actor

  std::size_t size() const noexcept { return actors.size(); }
};
using delivery_shards_ptr = std::shared_ptr<const delivery_shards>;

} // namespace atrium
