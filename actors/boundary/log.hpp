#pragma once

// The process's log, shared by actors/, net/ and tools/ so that one pair of flags
// (--log-format, --log-level) governs every line: one record per line on stderr, as text or as
// one JSON object. A record whose level is off costs one relaxed atomic load at the call site.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace atrium::log {

enum class level : std::uint8_t { error, warn, info, debug };
enum class format : std::uint8_t { text, json };

/// "error", "warn", "info", "debug".
const char* to_string(level l) noexcept;
std::optional<level> parse_level(std::string_view word) noexcept;
/// "text", "json".
std::optional<format> parse_format(std::string_view word) noexcept;

/// Sets what every later record is held to (any thread; the default is text at info).
void configure(level threshold, format f) noexcept;
format current_format() noexcept;

namespace detail {
extern std::atomic<std::uint8_t> threshold;
} // namespace detail

/// Whether records of level `l` are written; check it before building an expensive record.
inline bool enabled(level l) noexcept {
  return static_cast<std::uint8_t>(l) <= detail::threshold.load(std::memory_order_relaxed);
}

/// One named value of a record: a string or an integer. It only refers to its text, so it
/// lives as long as the call it is passed to.
struct field {
  field(std::string_view k, std::string_view v) noexcept : key(k), text(v) {}
  field(std::string_view k, const std::string& v) noexcept : key(k), text(v) {}
  field(std::string_view k, const char* v) noexcept : key(k), text(v ? v : "") {}
  template <class T, class = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  field(std::string_view k, T v) noexcept : key(k), is_number(true) {
    if constexpr (std::is_signed_v<T>)
      number = static_cast<std::int64_t>(v);
    else {
      unsigned_number = static_cast<std::uint64_t>(v);
      is_unsigned = true;
    }
  }

  std::string_view key;
  std::string_view text;
  bool is_number = false;
  bool is_unsigned = false;
  std::int64_t number = 0;
  std::uint64_t unsigned_number = 0;
};

using fields = std::initializer_list<field>;

/// The line a record makes, without its newline. JSON: `{"time":"<RFC 3339 UTC, ms>",
/// "level":..,"msg":..,<fields in order>}`, every string escaped (never invalid JSON, whatever
/// the bytes). Text: `text` as given when it is not empty (the lines scripts already match
/// keep their wording), else `atrium: MSG key=value ...`.
std::string format_record(format f, level l, std::string_view msg, fields fs,
                          std::string_view text, std::chrono::system_clock::time_point time);

/// Writes a record to stderr with one write(), so that records of several threads never
/// interleave; nothing when `l` is off. Any thread.
void write(level l, std::string_view msg, fields fs = {}, std::string_view text = {});

inline void error(std::string_view msg, fields fs = {}, std::string_view text = {}) {
  if (enabled(level::error))
    write(level::error, msg, fs, text);
}
inline void warn(std::string_view msg, fields fs = {}, std::string_view text = {}) {
  if (enabled(level::warn))
    write(level::warn, msg, fs, text);
}
inline void info(std::string_view msg, fields fs = {}, std::string_view text = {}) {
  if (enabled(level::info))
    write(level::info, msg, fs, text);
}
inline void debug(std::string_view msg, fields fs = {}, std::string_view text = {}) {
  if (enabled(level::debug))
    write(level::debug, msg, fs, text);
}

} // namespace atrium::log
