// What a fanout receiver passed over: the seqs below the highest it got that it has not got.
// Fanout's receivers are owed every message of their one publisher, so each needs only the
// next seq it expects; a seq below it is either a duplicate or a message that arrives after a
// later one (out of order), and only this set tells which. It holds ranges, not seqs, and is
// empty while the server keeps order and loses nothing: the hot path then pays one test of
// emptiness for a seq below the mark, nothing otherwise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace atrium::bench {

class skipped_seqs {
public:
  /// The receiver got `to` while expecting `from` < `to`: [from, to) are skipped for now.
  void skip(std::uint64_t from, std::uint64_t to) { ranges_.push_back({from, to}); }

  /// Whether `seq` was skipped; if so it is no longer (it has just arrived).
  bool take(std::uint64_t seq) {
    if (ranges_.empty())
      return false;
    // Ranges are pushed in ascending order and never overlap: the first one ending after seq.
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), seq,
                               [](std::uint64_t s, const range& r) { return s < r.to; });
    if (it == ranges_.end() || seq < it->from)
      return false;
    if (it->from + 1 == it->to) {
      ranges_.erase(it);
    } else if (seq == it->from) {
      ++it->from;
    } else if (seq + 1 == it->to) {
      --it->to;
    } else {
      auto to = it->to;
      it->to = seq;
      ranges_.insert(it + 1, range{seq + 1, to});
    }
    return true;
  }

private:
  struct range {
    std::uint64_t from;
    std::uint64_t to;
  };
  std::vector<range> ranges_;  // ascending, disjoint
};

} // namespace atrium::bench
