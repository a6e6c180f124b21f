#include "actors/boundary/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "protocol/json.hpp"

namespace atrium::log {

namespace detail {
std::atomic<std::uint8_t> threshold{static_cast<std::uint8_t>(level::info)};
} // namespace detail

namespace {

std::atomic<std::uint8_t> chosen_format{static_cast<std::uint8_t>(format::text)};

void append_value(std::string& out, const field& f, bool json) {
  if (f.is_unsigned) {
    out += std::to_string(f.unsigned_number);
  } else if (f.is_number) {
    out += std::to_string(f.number);
  } else if (json) {
    protocol::append_json_string(out, f.text);
  } else if (f.text.empty() || f.text.find_first_of(" \"=") != std::string_view::npos) {
    protocol::append_json_string(out, f.text); // quoted, so that key=value stays one token
  } else {
    out.append(f.text.data(), f.text.size());
  }
}

void append_time(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since = time.time_since_epoch();
  auto secs = duration_cast<seconds>(since);
  auto ms = duration_cast<milliseconds>(since - secs).count();
  if (ms < 0) { // before 1970: floor, not truncate
    secs -= seconds{1};
    ms += 1000;
  }
  std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64]; // room for any int year: no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  out += buf;
}

} // namespace

const char* to_string(level l) noexcept {
  switch (l) {
    case level::error:
      return "error";
    case level::warn:
      return "warn";
    case level::info:
      return "info";
    case level::debug:
      return "debug";
  }
  return "?";
}

std::optional<level> parse_level(std::string_view word) noexcept {
  for (auto l : {level::error, level::warn, level::info, level::debug})
    if (word == to_string(l))
      return l;
  return std::nullopt;
}

std::optional<format> parse_format(std::string_view word) noexcept {
  if (word == "text")
    return format::text;
  if (word == "json")
    return format::json;
  return std::nullopt;
}

void configure(level threshold, format f) noexcept {
  detail::threshold.store(static_cast<std::uint8_t>(threshold), std::memory_order_relaxed);
  chosen_format.store(static_cast<std::uint8_t>(f), std::memory_order_relaxed);
}

format current_format() noexcept {
  return static_cast<format>(chosen_format.load(std::memory_order_relaxed));
}

std::string format_record(format f, level l, std::string_view msg, fields fs,
                          std::string_view text, std::chrono::system_clock::time_point time) {
  std::string out;
  if (f == format::json) {
    out = R"({"time":")";
    append_time(out, time);
    out += R"(","level":")";
    out += to_string(l);
    out += R"(","msg":)";
    protocol::append_json_string(out, msg);
    for (auto& field : fs) {
      out += ',';
      protocol::append_json_string(out, field.key);
      out += ':';
      append_value(out, field, true);
    }
    out += '}';
    return out;
  }
  if (!text.empty()) {
    out.assign(text.data(), text.size());
  } else {
    out = "atrium: ";
    out.append(msg.data(), msg.size());
    for (auto& field : fs) {
      out += ' ';
      out.append(field.key.data(), field.key.size());
      out += '=';
      append_value(out, field, false);
    }
  }
  // A record is one line, whatever its text holds.
  for (auto& c : out)
    if (c == '\n' || c == '\r')
      c = ' ';
  return out;
}

void write(level l, std::string_view msg, fields fs, std::string_view text) {
  if (!enabled(l))
    return;
  auto line = format_record(current_format(), l, msg, fs, text, std::chrono::system_clock::now());
  line += '\n';
  // write(2) of one buffer, not stdio: no lock shared with other output, no interleaving.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    auto n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return; // stderr is gone: nothing better to do with a log line
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

} // namespace atrium::log
