// atrium-scenario: runs scenario scripts (see README.md, "Scenarios") on the live engine
// (real atrium processes) and/or the in-process engine (the actors on CAF's deterministic
// scheduler), prints a line per scenario and engine, then "N passed, M failed".

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "tools/scenario/inprocess_engine.hpp"
#include "tools/scenario/live_engine.hpp"
#include "tools/scenario/runner.hpp"
#include "tools/scenario/script.hpp"

namespace fs = std::filesystem;
using namespace atrium::scenario;

namespace {

const char* usage = R"(usage: atrium-scenario [--engine live|inprocess] [--atrium PATH] FILE|DIR...

Runs .scenario files (a directory: every .scenario file in it, sorted) on the engines each
script names (default: both), or only on the one given by --engine.
  --atrium PATH   the atrium binary for the live engine (default: next to this program)
)";

std::string default_atrium() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"atrium"} : (self.parent_path() / "atrium").string();
}

std::vector<std::string> scenario_files(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (auto& arg : args) {
    if (!fs::is_directory(arg)) {
      files.push_back(arg);
      continue;
    }
    std::vector<std::string> found;
    for (auto& entry : fs::directory_iterator(arg))
      if (entry.is_regular_file() && entry.path().extension() == ".scenario")
        found.push_back(entry.path().string());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::optional<engine_kind> only;
  std::string atrium = default_atrium();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (arg == "--engine" && i + 1 < argc) {
      std::string e = argv[++i];
      if (e != "live" && e != "inprocess") {
        std::fprintf(stderr, "atrium-scenario: unknown engine %s\n%s", e.c_str(), usage);
        return 2;
      }
      only = e == "live" ? engine_kind::live : engine_kind::inprocess;
    } else if (arg == "--atrium" && i + 1 < argc) {
      atrium = argv[++i];
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "atrium-scenario: unknown option %s\n%s", arg.c_str(), usage);
      return 2;
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  int passed = 0;
  int failed = 0;
  for (auto& file : scenario_files(inputs)) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
      std::printf("FAIL %s: cannot read it\n", file.c_str());
      ++failed;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse(file, text.str());
    if (auto err = std::get_if<parse_error>(&parsed)) {
      std::printf("FAIL %s: %s\n", file.c_str(), to_string(*err).c_str());
      ++failed;
      continue;
    }
    auto& s = std::get<script>(parsed);
    for (auto kind : s.engines) {
      if (only && kind != *only)
        continue;
      outcome result;
      const char* engine_name = kind == engine_kind::live ? "live" : "inprocess";
      try {
        std::unique_ptr<engine> e;
        if (kind == engine_kind::live)
          e = std::make_unique<live_engine>(atrium);
        else
          e = std::make_unique<inprocess_engine>();
        result = run(s, *e);
      } catch (const std::exception& ex) {
        result.passed = false;
        result.where = location{file, 0};
        result.message = ex.what();
      }
      if (result.passed) {
        std::printf("PASS %s [%s] %s\n", file.c_str(), engine_name, s.title.c_str());
        ++passed;
      } else {
        std::printf("FAIL %s [%s] %s:%d: %s\n", file.c_str(), engine_name,
                    result.where.file.c_str(), result.where.line, result.message.c_str());
        ++failed;
      }
      std::fflush(stdout);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
