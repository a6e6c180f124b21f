// What the bench reads in the packets it receives, in one place so that fanout and rooms agree
// on it: its own event as a receiver gets it, `2["m",{"s":SEQ,...}]` (fanout adds "t", the
// send time in ns), and the rooms app's answer to a join. Reading a delivery is the bench's hot
// path: one find and one from_chars per field, nothing allocated.
#pragma once

#include <charconv>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace atrium::bench {

/// Every delivery of the bench event starts so; the object with its fields follows.
inline constexpr std::string_view delivery_prefix = R"(2["m",)";
inline constexpr std::string_view seq_key = R"("s":)";
inline constexpr std::string_view time_key = R"("t":)";
/// A join is sent with ack id 0 (`420["join",...]`), so its answer starts so.
inline constexpr std::string_view join_ack_prefix = "30[";
/// What the rooms app acks a join or a leave with when it did it.
inline constexpr std::string_view ack_ok = R"("ok":true)";

/// Reads the whole number after `key`, the key searched from `from` on. Where its digits end,
/// or nullptr if the key or the number is not there.
template <class Integer>
const char* read_field(std::string_view packet, std::string_view key, std::size_t from,
                       Integer& out) {
  auto at = packet.find(key, from);
  if (at == std::string_view::npos)
    return nullptr;
  auto [end, ec] = std::from_chars(packet.data() + at + key.size(),
                                   packet.data() + packet.size(), out);
  return ec == std::errc{} ? end : nullptr;
}

} // namespace atrium::bench
