#include "net/health.hpp"

#include "protocol/json.hpp"

namespace atrium::net {

bool is_probe(std::string_view path) noexcept {
  return path == "/healthz" || path == "/readyz";
}

std::optional<probe_answer> answer_probe(std::string_view method, std::string_view path,
                                         const std::string& not_ready) {
  if (!is_probe(path) || method != "GET")
    return std::nullopt;
  if (path == "/healthz")
    return probe_answer{200, R"({"ok":true})"};
  if (not_ready.empty())
    return probe_answer{200, R"({"ready":true})"};
  std::string body = R"({"ready":false,"reason":)";
  protocol::append_json_string(body, not_ready);
  return probe_answer{503, body + '}'};
}

} // namespace atrium::net
