#pragma once

// The files of one directory, as HTTP GET/HEAD answers them (`--static DIR`): which request path
// names which regular file inside the directory, and never anything outside it.

#include <cstdint>
#include <string>
#include <string_view>

namespace atrium::net {

/// An open file descriptor, closed when the owner lets go.
class file_handle {
public:
  file_handle() = default;
  explicit file_handle(int fd) noexcept : fd_(fd) {}
  file_handle(file_handle&& other) noexcept : fd_(other.release()) {}
  file_handle& operator=(file_handle&& other) noexcept;
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;
  ~file_handle();

  int get() const noexcept { return fd_; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

private:
  int fd_ = -1;
};

/// What a request path comes to.
struct static_lookup {
  enum class outcome {
    file,        // `file` is open, `size` bytes of `content_type`
    redirect,    // a directory named without its trailing slash: go to `location`
    not_found,   // nothing to serve there (missing, outside the directory, not a regular file)
    bad_request, // a malformed percent escape, an encoded NUL
  };
  outcome result = outcome::not_found;
  file_handle file;
  std::uint64_t size = 0;
  std::string_view content_type;
  std::string location;
};

class static_files {
public:
  /// Serves the directory `root`. Throws std::invalid_argument when it is not a directory.
  explicit static_files(const std::string& root);

  /// Resolves the path of a request target (without its query; `query` is kept on a
  /// redirect). Touches the file system (canonical paths, then an open): call it where a short
  /// blocking read of local metadata is acceptable.
  static_lookup lookup(std::string_view path, std::string_view query = {}) const;

  const std::string& root() const noexcept { return root_; }

private:
  std::string root_; // canonical, without a trailing slash (unless it is "/")
};

/// The Content-Type for a file name, by its extension; application/octet-stream when unknown.
std::string_view content_type_of(std::string_view name);

} // namespace atrium::net
