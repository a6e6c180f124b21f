#include "actors/random_id.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace atrium {

std::string random_id() {
  // std::random_device reads the kernel CSPRNG on Linux (getrandom / /dev/urandom).
  thread_local std::random_device device;
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<std::uint32_t, 4> words{};
  for (auto& w : words)
    w = device();
  std::string id;
  id.reserve(20);
  // 20 characters × 6 bits = 120 bits, taken 30 bits from each 32-bit word.
  for (auto w : words)
    for (int i = 0; i < 5; ++i, w >>= 6)
      id += alphabet[w & 63];
  return id;
}

} // namespace atrium
