#include "net/frame.hpp"

namespace atrium::net {

out_frame make_frame(std::string bytes, bool binary) {
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view{*owner};
  return out_frame{std::move(owner), view, binary};
}

out_frame static_frame(std::string_view text) {
  return out_frame{nullptr, text, false};
}

void append_frames(frame_batch& out, const packet_ptr& p) {
  // Aliasing constructors: each frame keeps the whole packet alive, not a copy of its part.
  out.push_back(out_frame{std::shared_ptr<const void>(p, &p->text), p->text, false});
  for (const auto& att : p->attachments)
    out.push_back(out_frame{std::shared_ptr<const void>(p, &att), att, true});
}

} // namespace atrium::net
