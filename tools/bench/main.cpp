// atrium-bench: a load generator for servers of the rooms app (atrium, or the Node reference).
// See options.cpp for the command line and fanout.cpp for what is measured.

#include <cstdio>

#include "tools/bench/fanout.hpp"
#include "tools/bench/options.hpp"
#include "tools/bench/proc_stats.hpp"
#include "tools/bench/report.hpp"

namespace {

constexpr int exit_clean = 0;
constexpr int exit_lost_or_duplicated = 1;
constexpr int exit_setup_failed = 2;

int run_fanout_command(const atrium::bench::fanout_options& opts) {
  using namespace atrium::bench;
  auto limit = raise_open_files_limit();
  // Each receiver needs a descriptor, the publisher one, and the process a few of its own.
  if (limit >= 0 && static_cast<unsigned long>(limit) < opts.receivers + 16ul)
    std::fprintf(stderr, "atrium-bench: warning: only %ld open files allowed for %u receivers\n",
                 limit, opts.receivers);

  auto result = run_fanout(opts);
  print_fanout_block(opts, *result);
  auto json = fanout_json(opts, *result);
  if (opts.json_file.empty()) {
    std::printf("json: %s\n", json.c_str());
  } else if (auto* file = std::fopen(opts.json_file.c_str(), "a")) {
    std::fprintf(file, "%s\n", json.c_str());
    std::fclose(file);
  } else {
    std::perror(("atrium-bench: cannot append to " + opts.json_file).c_str());
    std::printf("json: %s\n", json.c_str());
  }
  std::fflush(stdout);

  if (!result->setup_error.empty()) {
    std::fprintf(stderr, "atrium-bench: %s\n", result->setup_error.c_str());
    return exit_setup_failed;
  }
  bool clean = result->lost == 0 && result->duplicates == 0 && result->errors.empty();
  return clean ? exit_clean : exit_lost_or_duplicated;
}

} // namespace

int main(int argc, char** argv) {
  auto cmd = atrium::bench::parse_command_line(argc, argv);
  if (cmd.help) {
    std::fputs(atrium::bench::usage(), stdout);
    return exit_clean;
  }
  if (!cmd.error.empty()) {
    std::fprintf(stderr, "atrium-bench: %s\n%s", cmd.error.c_str(), atrium::bench::usage());
    return exit_setup_failed;
  }
  return run_fanout_command(*cmd.fanout);
}
