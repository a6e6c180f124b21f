#include "actors/boundary/random_id.hpp"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <sys/random.h>

namespace atrium {

namespace {

void fill_random(unsigned char* out, std::size_t n) {
  while (n > 0) {
    auto got = ::getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      // No entropy source at all: refuse rather than hand out guessable ids.
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    out += got;
    n -= static_cast<std::size_t>(got);
  }
}

constexpr std::string_view alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

bool has_socket_id_form(std::string_view name) {
  return name.size() == socket_id_length
         && name.find_first_not_of(alphabet) == std::string_view::npos;
}

std::string random_id(std::size_t n) {
  std::array<unsigned char, 64> buffer;
  if (n > buffer.size())
    throw std::invalid_argument("random_id: at most 64 bytes");
  auto bytes = std::basic_string_view<unsigned char>{buffer.data(), n};
  fill_random(buffer.data(), n);
  std::string out;
  out.reserve((n * 8 + 5) / 6);
  std::uint32_t acc = 0;
  int bits = 0;
  for (auto b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

} // namespace atrium
