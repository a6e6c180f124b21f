#pragma once

#include <string>

namespace atrium::app {

/// The first line of `file` (a trailing "\r" dropped): how API keys and webhook secrets are
/// kept, so that they never appear on a command line. Throws std::runtime_error naming the
/// file when it cannot be read or that line is empty.
std::string read_secret_file(const std::string& file, const char* what);

} // namespace atrium::app
