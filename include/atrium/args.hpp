#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace atrium {

/// Binary data to send as an attachment (a Buffer on the JavaScript side).
struct binary {
  std::string bytes;
};

/// JSON text to embed as it is (it must be one valid JSON value).
struct raw_json {
  std::string text;
};

/// The arguments of an emit or an ack: JSON values plus the binary attachments their
/// placeholders refer to. Built once, then encoded once however many sockets receive it.
///
///   atrium::args{"hello", 42, true, atrium::binary{bytes}}
class args {
public:
  args() = default;

  template <class... Ts,
            class = std::enable_if_t<(sizeof...(Ts) > 0)
                                     && !(sizeof...(Ts) == 1
                                          && (std::is_same_v<std::decay_t<Ts>, args> && ...))>>
  args(Ts&&... xs) { // NOLINT: implicit on purpose, `emit("x", 1, "a")` builds one
    (add(std::forward<Ts>(xs)), ...);
  }

  args& add(std::string_view s);
  args& add(const char* s) { return add(std::string_view{s}); }
  args& add(const std::string& s) { return add(std::string_view{s}); }
  args& add(bool b);
  args& add(std::nullptr_t);
  args& add(double d);
  args& add(const rapidjson::Value& v);
  args& add(binary b);
  args& add(raw_json j);
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  args& add(Int i) {
    if constexpr (std::is_signed_v<Int>)
      return add_int(static_cast<std::int64_t>(i));
    else
      return add_uint(static_cast<std::uint64_t>(i));
  }

  /// Arguments from JSON array text whose placeholders refer to `attachments`
  /// (what a received event carries).
  static args from_json_array(std::string_view array_text, std::vector<std::string> attachments);

  bool empty() const noexcept { return elements_.empty(); }
  /// The JSON elements, comma-separated, without the surrounding brackets.
  const std::string& elements() const noexcept { return elements_; }
  const std::vector<std::string>& attachments() const noexcept { return attachments_; }

private:
  args& add_int(std::int64_t i);
  args& add_uint(std::uint64_t i);
  void separate();

  std::string elements_;
  std::vector<std::string> attachments_;
};

/// Received arguments: the parsed JSON array and the attachments its placeholders refer to.
class payload {
public:
  payload() = default;
  payload(rapidjson::Document array, std::vector<std::string> attachments);

  std::size_t size() const noexcept;

  // Checked access, for values a client chose: nullopt (nullptr) when argument `i` is missing
  // or of another type. Prefer these to RapidJSON's Get* calls, which do not check the type
  // in a release build.
  std::optional<std::string_view> string(std::size_t i) const;
  std::optional<double> number(std::size_t i) const;
  /// A number without a fractional part that fits in 64 bits.
  std::optional<std::int64_t> integer(std::size_t i) const;
  std::optional<bool> boolean(std::size_t i) const;
  /// The bytes of a binary argument (a Buffer on the client).
  const std::string* binary(std::size_t i) const;
  /// The value itself, to inspect with RapidJSON; nullptr when there is none.
  const rapidjson::Value* at(std::size_t i) const noexcept;

  /// Argument `i`; a JSON null when there are fewer.
  const rapidjson::Value& operator[](std::size_t i) const;
  const rapidjson::Value& array() const noexcept { return doc_; }
  /// The bytes behind a `{"_placeholder":true,"num":N}` value; nullptr if `v` is none.
  const std::string* binary_of(const rapidjson::Value& v) const;
  const std::vector<std::string>& attachments() const noexcept { return attachments_; }
  /// The same values as `args`, ready to be emitted again unchanged (binary included).
  atrium::args to_args() const;

private:
  rapidjson::Document doc_{rapidjson::kArrayType};
  std::vector<std::string> attachments_;
};

} // namespace atrium
