#pragma once

// One outbound Engine.IO message, borrowed from an immutable shared buffer.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/boundary/connection.hpp"

namespace atrium::net {

/// A whole Engine.IO message ready to leave: text frames carry the type character ("4...",
/// "2"), binary frames the raw bytes. `bytes` points into memory kept alive by `owner`, so the
/// same encoded packet goes to every connection without a copy.
struct out_frame {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
  bool binary = false;
};

/// Everything that waited in a session's queue, taken at once by one flush, in order.
using frame_batch = std::vector<out_frame>;

/// A frame owning a string of its own (engine packets, echo replies).
out_frame make_frame(std::string bytes, bool binary = false);

/// A frame for a string that lives forever ("2", "6", "1").
out_frame static_frame(std::string_view text);

/// Appends the frames of `p` (its text, then one binary frame per attachment), each sharing
/// ownership of `p`: nothing is copied.
void append_frames(frame_batch& out, const packet_ptr& p);

} // namespace atrium::net
