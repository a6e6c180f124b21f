#include "tools/atrium/secret_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace atrium::app {

std::string read_secret_file(const std::string& file, const char* what) {
  std::ifstream in{file};
  if (!in)
    throw std::runtime_error(std::string{"cannot read "} + what + " " + file + ": "
                             + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.empty())
    throw std::runtime_error(std::string{what} + " " + file + ": its first line is empty");
  return line;
}

} // namespace atrium::app
