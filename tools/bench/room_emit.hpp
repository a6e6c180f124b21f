// The packet the rooms and soak workloads publish with: the rooms app's `emit` event to a union
// of rooms, carrying event `m` whose argument holds the message's sequence number and padding,
// `{"s":SEQ,"p":"xx…"}`, as long as the payload asked for (when it fits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atrium::bench {

/// Room names as JSON strings ("r0", "r1", ... quoted), the form packets carry them in.
std::vector<std::string> quoted_room_names(std::string_view prefix, std::uint32_t count);

/// `42[...]`, or `42SEQ[...]` when `acked` (the ack id is the sequence number, so that an ack
/// names its message). `targets` index `room_json`; `padding` is the payload's worth of 'x'.
std::string room_emit_packet(const std::vector<std::string>& room_json,
                             const std::uint32_t* targets, std::size_t count, std::uint64_t seq,
                             std::string_view padding, bool acked);

} // namespace atrium::bench
