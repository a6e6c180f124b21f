#include "protocol/socketio.hpp"

#include <charconv>
#include <cstring>
#include <limits>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace atrium::sio {

using protocol::error;
using protocol::make_error;

namespace {

using rapidjson::SizeType;

// Iterative: no recursion on untrusted input (UTF-8 is checked on the whole text first).
constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

enum class json_kind : std::uint8_t { none, object, array, string, other };

// Validates a packet's JSON in one SAX pass, without building a tree: nesting depth, the
// kind of the root value and of the root array's first element, and placeholders.
// A placeholder is any object with a member "_placeholder": true; it must also have a
// member "num" whose value is an integer below the announced attachment count.
class payload_checker {
public:
  using Ch = char;

  payload_checker(std::size_t max_depth, std::size_t attachments)
    : max_depth_(max_depth), attachments_(attachments) {
  }

  bool Null() { return scalar(json_kind::other); }
  bool Bool(bool b) {
    if (pending_ == pending_key::placeholder && b)
      top().placeholder = true;
    return scalar(json_kind::other);
  }
  bool Int(int i) { return number(i >= 0, static_cast<std::uint64_t>(i)); }
  bool Uint(unsigned i) { return number(true, i); }
  bool Int64(std::int64_t i) { return number(i >= 0, static_cast<std::uint64_t>(i)); }
  bool Uint64(std::uint64_t i) { return number(true, i); }
  bool Double(double) { return number(false, 0); }
  bool RawNumber(const Ch*, SizeType, bool) { return number(false, 0); }
  bool String(const Ch* s, SizeType n, bool) {
    // The reader reuses its buffer once this returns: the name is judged now.
    if (depth_ == 1 && root_ == json_kind::array && elements_ == 0)
      reserved_first_ = is_reserved_event(std::string_view{s, n});
    return scalar(json_kind::string);
  }
  bool Key(const Ch* s, SizeType n, bool) {
    std::string_view key{s, n};
    pending_ = key == "_placeholder" ? pending_key::placeholder
               : key == "num"        ? pending_key::num
                                     : pending_key::other;
    return true;
  }
  bool StartObject() { return enter(json_kind::object); }
  bool EndObject(SizeType) {
    auto& f = top();
    if (f.placeholder && (!f.num_ok || f.num_bad)) {
      failure_ = error::unexpected_attachment;
      return false;
    }
    return leave();
  }
  bool StartArray() { return enter(json_kind::array); }
  bool EndArray(SizeType) { return leave(); }

  json_kind root() const noexcept { return root_; }
  json_kind first_element() const noexcept { return first_; }
  bool first_is_reserved_name() const noexcept { return reserved_first_; }
  error failure() const noexcept { return failure_; }

private:
  enum class pending_key : std::uint8_t { other, placeholder, num };

  struct frame {
    bool object = false;
    bool placeholder = false;
    bool num_ok = false;
    bool num_bad = false;
  };

  // Book-keeping common to every value, before the value itself is handled.
  void on_value(json_kind k) {
    if (depth_ == 0) {
      root_ = k;
    } else if (depth_ == 1 && root_ == json_kind::array) {
      if (elements_ == 0)
        first_ = k;
      ++elements_;
    }
  }

  bool scalar(json_kind k) {
    on_value(k);
    pending_ = pending_key::other;
    return true;
  }

  bool number(bool non_negative_integer, std::uint64_t value) {
    if (pending_ == pending_key::num) {
      auto& f = top();
      if (non_negative_integer && value < attachments_)
        f.num_ok = true;
      else
        f.num_bad = true;
    }
    return scalar(json_kind::other);
  }

  bool enter(json_kind k) {
    if (pending_ == pending_key::num)
      top().num_bad = true;
    on_value(k);
    pending_ = pending_key::other;
    if (++depth_ > max_depth_) {
      failure_ = error::json_too_deep;
      return false;
    }
    // One frame per opening bracket already read: bounded by the input's size. The
    // usual shallow data needs no heap at all.
    frame f{k == json_kind::object};
    if (depth_ <= inline_frames)
      inline_[depth_ - 1] = f;
    else
      overflow_.push_back(f);
    return true;
  }

  bool leave() {
    if (depth_ > inline_frames)
      overflow_.pop_back();
    --depth_;
    pending_ = pending_key::other;
    return true;
  }

  frame& top() {
    return depth_ <= inline_frames ? inline_[depth_ - 1] : overflow_.back();
  }

  static constexpr std::size_t inline_frames = 32;

  std::size_t max_depth_;
  std::size_t attachments_;
  std::size_t depth_ = 0;
  std::size_t elements_ = 0;
  json_kind root_ = json_kind::none;
  json_kind first_ = json_kind::none;
  bool reserved_first_ = false;
  pending_key pending_ = pending_key::other;
  error failure_ = error::invalid_json;
  frame inline_[inline_frames];
  std::vector<frame> overflow_; // frames below the first inline_frames levels
};

// Parses the unsigned decimal at the front of `text`, consuming it. Returns false on
// overflow of T; `digits` tells how many characters were consumed.
template <class T>
bool parse_uint(std::string_view& text, T& value, std::size_t& digits) {
  value = 0;
  digits = 0;
  while (digits < text.size() && is_digit(text[digits])) {
    T d = static_cast<T>(text[digits] - '0');
    if (value > (std::numeric_limits<T>::max() - d) / 10)
      return false;
    value = value * 10 + d;
    ++digits;
  }
  text.remove_prefix(digits);
  return true;
}

bool is_binary(packet_type t) {
  return t == packet_type::binary_event || t == packet_type::binary_ack;
}

// Does the JSON shape fit the packet type (see the header)?
bool shape_fits(packet_type t, const payload_checker& c) {
  switch (t) {
    case packet_type::connect:
    case packet_type::connect_error:
      return c.root() == json_kind::object;
    case packet_type::disconnect:
      return false; // no data allowed at all
    case packet_type::event:
    case packet_type::binary_event:
      return c.root() == json_kind::array && c.first_element() == json_kind::string
             && !c.first_is_reserved_name();
    case packet_type::ack:
    case packet_type::binary_ack:
      return c.root() == json_kind::array;
  }
  return false;
}

template <class T>
void append_uint(std::string& out, T value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, res.ptr);
}

} // namespace

// socket.io-parser's RESERVED_EVENTS, which socket.io's server also refuses to emit.
bool is_reserved_event(std::string_view name) noexcept {
  return name == "connect" || name == "connect_error" || name == "disconnect"
         || name == "disconnecting" || name == "newListener" || name == "removeListener";
}

protocol::result<packet> decode(std::string_view text, const limits& lim) {
  if (text.empty())
    return make_error(error::empty_packet);
  if (text.front() < '0' || text.front() > '6')
    return make_error(error::unknown_packet_type);
  packet p;
  p.type = static_cast<packet_type>(text.front() - '0');
  text.remove_prefix(1);
  // <n>- : at least one digit, then '-'.
  if (is_binary(p.type)) {
    std::size_t n = 0;
    std::size_t digits = 0;
    if (!parse_uint(text, n, digits) || digits == 0 || text.empty() || text.front() != '-')
      return make_error(error::invalid_attachment_count);
    if (n > lim.max_attachments)
      return make_error(error::too_many_attachments);
    p.attachments = n;
    text.remove_prefix(1);
  }
  // <nsp>, : present when the next character is '/', up to ',' or the end ("0/custom" and
  // "0/custom," both name /custom).
  if (!text.empty() && text.front() == '/') {
    auto comma = text.find(',');
    std::string_view nsp = text.substr(0, comma);
    // The name is echoed back (CONNECT_ERROR): no control characters (a '\x1e' would
    // split a polling payload) and valid UTF-8, as JSON data is.
    for (char c : nsp)
      if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
        return make_error(error::invalid_namespace);
    if (!protocol::is_valid_utf8(nsp))
      return make_error(error::invalid_namespace);
    p.nsp.assign(nsp.data(), nsp.size());
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  // <id> : the digits that follow.
  if (!text.empty() && is_digit(text.front())) {
    std::uint64_t id = 0;
    std::size_t digits = 0;
    if (!parse_uint(text, id, digits))
      return make_error(error::invalid_ack_id);
    p.id = id;
  }
  // <data> : the rest, one JSON value.
  if (text.empty()) {
    // Data is mandatory for every type except CONNECT and DISCONNECT.
    if (p.type == packet_type::connect || p.type == packet_type::disconnect)
      return p;
    return make_error(error::invalid_payload);
  }
  // The reader takes NUL for the end of input; valid JSON never contains one. Outside
  // strings JSON is ASCII, so checking the whole text checks the strings' UTF-8.
  if (std::memchr(text.data(), '\0', text.size()) != nullptr || !protocol::is_valid_utf8(text))
    return make_error(error::invalid_json);
  payload_checker checker{lim.max_json_depth, p.attachments};
  rapidjson::MemoryStream in{text.data(), text.size()};
  // The reader's stack (strings being unescaped, iterative states) starts in this
  // buffer, so a typical packet is checked without touching the heap; larger ones grow
  // into 4 KB+ chunks released on return.
  alignas(std::max_align_t) char scratch[1024];
  rapidjson::MemoryPoolAllocator<> pool{scratch, sizeof(scratch), 4096};
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>
    reader{&pool, 256};
  if (reader.Parse<parse_flags>(in, checker).IsError())
    return make_error(checker.failure());
  if (!shape_fits(p.type, checker))
    return make_error(error::invalid_payload);
  p.data.reserve(text.size());
  protocol::append_compact_json(p.data, text);
  return p;
}

std::string encode(const packet& p) {
  bool custom_nsp = !p.nsp.empty() && p.nsp != "/";
  std::string out;
  out.reserve(1 + (is_binary(p.type) ? 21 : 0) + (custom_nsp ? p.nsp.size() + 1 : 0)
              + (p.id ? 20 : 0) + p.data.size());
  out += static_cast<char>('0' + static_cast<int>(p.type));
  if (is_binary(p.type)) {
    append_uint(out, p.attachments);
    out += '-';
  }
  if (custom_nsp) {
    out += p.nsp;
    out += ',';
  }
  if (p.id)
    append_uint(out, *p.id);
  out += p.data;
  return out;
}

bool attachment_collector::start(packet header) {
  header_ = std::move(header);
  attachments_.clear();
  waiting_ = header_.attachments > 0;
  return !waiting_;
}

bool attachment_collector::add(std::string bytes) {
  if (!waiting_)
    return false; // nothing announced: the caller checks waiting() first
  attachments_.emplace_back(std::move(bytes));
  if (attachments_.size() >= header_.attachments)
    waiting_ = false;
  return !waiting_;
}

packet attachment_collector::take_packet(std::vector<std::string>& attachments) {
  // Swapping hands the caller the frames and keeps the caller's old vector for reuse.
  attachments.clear();
  attachments.swap(attachments_);
  packet result = std::move(header_);
  header_ = packet{};
  waiting_ = false;
  return result;
}

} // namespace atrium::sio
