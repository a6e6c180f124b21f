// Trouble that can come thousands of times in a run (malformed frames, refused acks, lost
// connections): its first few instances become error lines, the rest are only counted and told
// in one closing line, so that the report stays readable and the run does not slow down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atrium::bench {

class error_tally {
public:
  /// How many instances get a line of their own.
  static constexpr std::uint64_t shown = 3;

  /// The closing line reads "N more <more>".
  explicit error_tally(const char* more) : more_(more) {}

  /// Counts one; `line()` is called (the line built) only for those shown.
  template <class Line>
  void add(std::vector<std::string>& errors, Line line) {
    if (++count_ <= shown)
      errors.push_back(line());
  }

  /// Appends the closing line, if some were not shown. Once, at the end of the run.
  void close(std::vector<std::string>& errors) const {
    if (count_ > shown)
      errors.push_back(std::to_string(count_ - shown) + " more " + more_);
  }

  std::uint64_t count() const { return count_; }

private:
  const char* more_;
  std::uint64_t count_ = 0;
};

/// A Socket.IO packet as an error line quotes it: as it was on the wire (the Engine.IO message
/// type `4` put back in front) and cut short, since a payload may be kilobytes long.
inline std::string quote_packet(std::string_view packet) {
  return "4" + std::string{packet.substr(0, 120)};
}

} // namespace atrium::bench
