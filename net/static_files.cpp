#include "net/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "net/url.hpp"

namespace atrium::net {

namespace fs = std::filesystem;

file_handle& file_handle::operator=(file_handle&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

file_handle::~file_handle() {
  if (fd_ >= 0)
    ::close(fd_);
}

namespace {

enum class decoded_path { ok, malformed, refused };

// Percent-decodes a request path ('+' stays '+': that rule is the query's). An escaped '/' or
// '\' is refused rather than decoded: it would hide a separator from whoever split the path
// before (a proxy, a log reader), and "..%2f" is the classic way out of a document root.
decoded_path decode_path(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
      return decoded_path::malformed;
    char c = static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
    if (c == '\0')
      return decoded_path::malformed;
    if (c == '/' || c == '\\')
      return decoded_path::refused;
    out += c;
    i += 2;
  }
  return decoded_path::ok;
}

// Whether every segment of `relative` ("a/b/", no leading slash) is a plain name. Never "." or
// ".." (a way out), never empty ("//x" would also make a redirect's Location protocol-relative),
// never hidden (".git", ".env" are not meant for visitors), never with a backslash (browsers
// read "/\host" as "//host").
bool plain_names(std::string_view relative) {
  while (!relative.empty()) {
    auto slash = relative.find('/');
    auto name = relative.substr(0, slash);
    if (name.empty() || name.front() == '.' || name.find('\\') != std::string_view::npos)
      return false;
    if (slash == std::string_view::npos)
      break;
    relative.remove_prefix(slash + 1);
  }
  return true;
}

bool inside(const std::string& root, const std::string& path) {
  if (root == "/")
    return !path.empty() && path.front() == '/';
  return path == root
         || (path.size() > root.size() && path.compare(0, root.size(), root) == 0
             && path[root.size()] == '/');
}

// The canonical form of `p` when it exists and lies within `root`: symbolic links are resolved
// first, so a link leading out of the directory is outside however it is spelled.
std::optional<fs::path> contained(const std::string& root, const fs::path& p) {
  std::error_code ec;
  auto real = fs::canonical(p, ec);
  if (ec || !inside(root, real.string()))
    return std::nullopt;
  return real;
}

} // namespace

static_files::static_files(const std::string& root) {
  std::error_code ec;
  auto real = fs::canonical(root, ec);
  if (ec || !fs::is_directory(real, ec))
    throw std::invalid_argument("static files: " + root + " is not a directory");
  root_ = real.string();
}

static_lookup static_files::lookup(std::string_view path, std::string_view query) const {
  static_lookup out;
  if (path.empty() || path.front() != '/')
    return out;
  std::string decoded;
  switch (decode_path(path, decoded)) {
    case decoded_path::ok:
      break;
    case decoded_path::malformed:
      out.result = static_lookup::outcome::bad_request;
      return out;
    case decoded_path::refused:
      return out;
  }
  std::string_view relative{decoded};
  relative.remove_prefix(1);
  bool trailing_slash = !relative.empty() && relative.back() == '/';
  if (trailing_slash)
    relative.remove_suffix(1);
  if (!plain_names(relative))
    return out;

  auto real = contained(root_, fs::path{root_} / fs::path{relative});
  if (!real)
    return out;
  std::error_code ec;
  if (fs::is_directory(*real, ec)) {
    if (!relative.empty() && !trailing_slash) {
      // Relative links of the directory's index.html resolve against the slash-ended URL.
      out.result = static_lookup::outcome::redirect;
      out.location = std::string{path} + '/';
      if (!query.empty())
        out.location.append("?").append(query);
      return out;
    }
    real = contained(root_, *real / "index.html");
    if (!real)
      return out;
  } else if (trailing_slash) {
    return out; // "file.html/" names a directory that is not there
  }

  // The canonical path had no link in it a moment ago; O_NOFOLLOW keeps its last component from
  // having become one since, and O_NONBLOCK keeps a FIFO put there meanwhile from blocking the
  // open (fstat then refuses it).
  file_handle file{::open(real->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
  struct stat st {};
  if (file.get() < 0 || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return out;
  out.result = static_lookup::outcome::file;
  out.file = std::move(file);
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.content_type = content_type_of(real->filename().native());
  return out;
}

std::string_view content_type_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> types{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"webmanifest", "application/manifest+json"},
  }};
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos)
    return "application/octet-stream";
  auto ext = name.substr(dot + 1);
  for (auto& [known, type] : types) {
    if (known.size() != ext.size())
      continue;
    bool same = true;
    for (std::size_t i = 0; i < ext.size() && same; ++i) {
      char c = ext[i];
      same = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == known[i];
    }
    if (same)
      return type;
  }
  return "application/octet-stream";
}

} // namespace atrium::net
