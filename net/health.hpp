#pragma once

// GET /healthz and GET /readyz, the probes of load balancers and orchestrators, answered the
// same way on the main port and on the API listener, without any key. No Beast here:
// tools/atrium answers them on the API listener too.

#include <optional>
#include <string>
#include <string_view>

namespace atrium::net {

struct probe_answer {
  unsigned status;
  std::string body; // JSON
};

/// The answer to `method` `path` when it is a probe, else nullopt. /healthz: 200 while the
/// process serves at all. /readyz: 200, or 503 with `{"ready":false,"reason":...}` when
/// `not_ready` (what keeps the server from taking clients: "draining", "cluster not formed")
/// is not empty.
std::optional<probe_answer> answer_probe(std::string_view method, std::string_view path,
                                         const std::string& not_ready);

/// Whether `path` is one of the probes (so that the caller computes `not_ready` only then).
bool is_probe(std::string_view path) noexcept;

} // namespace atrium::net
