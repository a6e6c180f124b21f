#include "protocol/json.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace atrium::protocol {

namespace {

using rapidjson::SizeType;

// Iterative: no recursion on untrusted input. UTF-8 is checked on the whole text
// beforehand (is_valid_utf8), several times faster than the reader's per-character check;
// outside strings JSON allows ASCII only, so the two checks accept the same texts.
constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag;

// Forwards SAX events to `next` and stops the parse as soon as the nesting exceeds `max`,
// so a deep document is refused before its tree exists.
template <class Next>
struct depth_guard {
  using Ch = char;

  Next& next;
  std::size_t max;
  std::size_t depth = 0;
  bool too_deep = false;

  bool Null() { return next.Null(); }
  bool Bool(bool b) { return next.Bool(b); }
  bool Int(int i) { return next.Int(i); }
  bool Uint(unsigned i) { return next.Uint(i); }
  bool Int64(std::int64_t i) { return next.Int64(i); }
  bool Uint64(std::uint64_t i) { return next.Uint64(i); }
  bool Double(double d) { return next.Double(d); }
  bool RawNumber(const Ch* s, SizeType n, bool copy) { return next.RawNumber(s, n, copy); }
  bool String(const Ch* s, SizeType n, bool copy) { return next.String(s, n, copy); }
  bool Key(const Ch* s, SizeType n, bool copy) { return next.Key(s, n, copy); }
  bool StartObject() { return enter() && next.StartObject(); }
  bool EndObject(SizeType n) {
    --depth;
    return next.EndObject(n);
  }
  bool StartArray() { return enter() && next.StartArray(); }
  bool EndArray(SizeType n) {
    --depth;
    return next.EndArray(n);
  }

  bool enter() {
    if (++depth > max) {
      too_deep = true;
      return false;
    }
    return true;
  }
};

// Feeds the document from a depth-guarded reader (GenericDocument::Populate takes care of
// the document's value stack on success and on failure).
struct guarded_generator {
  std::string_view text;
  std::size_t max_depth;
  bool too_deep = false;
  bool ok = false;

  bool operator()(rapidjson::Document& doc) {
    rapidjson::MemoryStream in{text.data(), text.size()};
    rapidjson::Reader reader;
    depth_guard<rapidjson::Document> guard{doc, max_depth};
    auto res = reader.Parse<parse_flags>(in, guard);
    too_deep = guard.too_deep;
    ok = !res.IsError();
    return ok;
  }
};

// Compact writer with JSON.stringify's conventions; tracks commas by looking at the last
// character written ('[', '{' and ':' take no comma after them).
class compact_writer {
public:
  using Ch = char;

  explicit compact_writer(std::string& out) : out_(out), start_(out.size()) {}

  bool Null() { return raw("null"); }
  bool Bool(bool b) { return raw(b ? "true" : "false"); }
  bool Int(int i) { return integer(i); }
  bool Uint(unsigned i) { return integer(i); }
  bool Int64(std::int64_t i) { return integer(i); }
  bool Uint64(std::uint64_t i) { return integer(i); }
  bool Double(double d) {
    if (!std::isfinite(d))
      return raw("null");
    separate();
    char buf[40];
    char* end = rapidjson::internal::dtoa(d, buf);
    std::string_view text{buf, static_cast<std::size_t>(end - buf)};
    // RapidJSON writes 1.0 and 1e21 where JavaScript writes 1 and 1e+21.
    if (text.size() > 2 && text.substr(text.size() - 2) == ".0")
      text.remove_suffix(2);
    auto e = text.find('e');
    if (e != std::string_view::npos && e + 1 < text.size() && text[e + 1] != '-') {
      out_.append(text.data(), e + 1);
      out_ += '+';
      out_.append(text.data() + e + 1, text.size() - e - 1);
    } else {
      out_.append(text.data(), text.size());
    }
    return true;
  }
  bool RawNumber(const Ch* s, SizeType n, bool) {
    separate();
    out_.append(s, n);
    return true;
  }
  bool String(const Ch* s, SizeType n, bool) {
    separate();
    append_json_string(out_, {s, n});
    return true;
  }
  bool Key(const Ch* s, SizeType n, bool copy) {
    String(s, n, copy);
    out_ += ':';
    return true;
  }
  bool StartObject() { return raw("{"); }
  bool EndObject(SizeType) {
    out_ += '}';
    return true;
  }
  bool StartArray() { return raw("["); }
  bool EndArray(SizeType) {
    out_ += ']';
    return true;
  }

private:
  void separate() {
    if (out_.size() > start_) {
      auto c = out_.back();
      if (c != '[' && c != '{' && c != ':')
        out_ += ',';
    }
  }
  bool raw(const char* s) {
    separate();
    out_ += s;
    return true;
  }
  template <class I>
  bool integer(I i) {
    separate();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof(buf), i);
    out_.append(buf, res.ptr);
    return true;
  }

  std::string& out_;
  std::size_t start_;
};

// Length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or 0 when it is
// not one (Unicode table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  auto avail = static_cast<std::size_t>(end - p);
  auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xbf) {
    return i < avail && p[i] >= lo && p[i] <= hi;
  };
  unsigned c = p[0];
  if (c >= 0xc2 && c <= 0xdf)
    return cont(1) ? 2 : 0;
  if (c == 0xe0)
    return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
    return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xed)
    return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c == 0xf0)
    return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3)
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4)
    return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

} // namespace

result<rapidjson::Document> parse_json(std::string_view text, std::size_t max_depth) {
  // The reader treats a NUL byte as the end of input; valid JSON never contains one.
  if (text.empty() || std::memchr(text.data(), '\0', text.size()) != nullptr
      || !is_valid_utf8(text))
    return make_error(error::invalid_json);
  rapidjson::Document doc;
  guarded_generator gen{text, max_depth};
  doc.Populate(gen);
  if (gen.ok)
    return result<rapidjson::Document>{std::move(doc)};
  return make_error(gen.too_deep ? error::json_too_deep : error::invalid_json);
}

std::string to_json(const rapidjson::Value& value) {
  std::string out;
  compact_writer w{out};
  value.Accept(w);
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  auto* run = p; // start of the bytes that are copied as they are
  auto flush = [&] { out.append(reinterpret_cast<const char*>(run), p - run); };
  while (p < end) {
    unsigned c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      if (auto n = utf8_sequence_length(p, end); n > 0) {
        p += n;
        continue;
      }
      flush();
      out += "\xef\xbf\xbd"; // U+FFFD
      run = ++p;
      continue;
    }
    flush();
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(esc, sizeof(esc));
      }
    }
    run = ++p;
  }
  flush();
  out += '"';
}

bool is_valid_utf8(std::string_view s) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path, eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ull) != 0)
        break;
      p += 8;
    }
    if (p == end)
      break;
    if (*p < 0x80) {
      ++p;
    } else if (auto n = utf8_sequence_length(p, end); n > 0) {
      p += n;
    } else {
      return false;
    }
  }
  return true;
}

void append_compact_json(std::string& out, std::string_view json) {
  const char* data = json.data();
  const char* end = data + json.size();
  const char* run = data; // start of the bytes not yet appended
  const char* p = data;
  while (p < end) {
    char c = *p;
    if (c == '"') {
      // Skip the string: its closing quote is the first one preceded by an even number of
      // backslashes (memchr keeps long strings fast).
      const char* q = p + 1;
      for (;;) {
        q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
        if (q == nullptr) {
          p = end;
          break;
        }
        const char* b = q;
        while (b > p + 1 && b[-1] == '\\')
          --b;
        if ((q - b) % 2 == 0) {
          p = q + 1;
          break;
        }
        ++q;
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      out.append(run, static_cast<std::size_t>(p - run));
      run = ++p;
    } else {
      ++p;
    }
  }
  out.append(run, static_cast<std::size_t>(end - run));
}
} // namespace atrium::protocol
