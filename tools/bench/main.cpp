// atrium-bench: a load generator for servers of the rooms app (atrium, or the Node reference).
// See options.cpp for the command line, and each workload's file for what it measures:
// fanout.cpp, rooms.cpp, churn.cpp, idle.cpp, soak.cpp, recovery.cpp.

#include <cstdio>
#include <variant>

#include "tools/bench/churn.hpp"
#include "tools/bench/fanout.hpp"
#include "tools/bench/idle.hpp"
#include "tools/bench/options.hpp"
#include "tools/bench/proc_stats.hpp"
#include "tools/bench/recovery.hpp"
#include "tools/bench/report.hpp"
#include "tools/bench/rooms.hpp"
#include "tools/bench/soak.hpp"

namespace {

using namespace atrium::bench;

constexpr int exit_clean = 0;
constexpr int exit_check_failed = 1;
constexpr int exit_setup_failed = 2;

// Each connection needs a descriptor, and the process a few of its own.
void warn_if_few_open_files(unsigned long connections) {
  auto limit = raise_open_files_limit();
  if (limit >= 0 && static_cast<unsigned long>(limit) < connections + 16ul)
    std::fprintf(stderr, "atrium-bench: warning: only %ld open files allowed for %lu connections\n",
                 limit, connections);
}

template <class Options, class Result>
int tell(const Options& opts, const Result& result,
         void (*print_block)(const Options&, const Result&),
         std::string (*json)(const Options&, const Result&)) {
  print_block(opts, result);
  write_json_line(opts.json_file, json(opts, result));
  if (!result.setup_error.empty()) {
    std::fprintf(stderr, "atrium-bench: %s\n", result.setup_error.c_str());
    return exit_setup_failed;
  }
  return result.passed() ? exit_clean : exit_check_failed;
}

int run(const fanout_options& opts) {
  warn_if_few_open_files(opts.receivers + 1ul);
  return tell(opts, *run_fanout(opts), print_fanout_block, fanout_json);
}

int run(const rooms_options& opts) {
  warn_if_few_open_files(static_cast<unsigned long>(opts.clients) + opts.publishers);
  return tell(opts, *run_rooms(opts), print_rooms_block, rooms_json);
}

int run(const churn_options& opts) {
  warn_if_few_open_files(opts.clients);
  return tell(opts, *run_churn(opts), print_churn_block, churn_json);
}

int run(const idle_options& opts) {
  // idle checks the limit itself: too few descriptors there is a setup failure, not a warning.
  return tell(opts, *run_idle(opts), print_idle_block, idle_json);
}

int run(const soak_options& opts) {
  warn_if_few_open_files(static_cast<unsigned long>(opts.clients) + opts.publishers);
  return tell(opts, *run_soak(opts), print_soak_block, soak_json);
}

int run(const recovery_options& opts) {
  warn_if_few_open_files(2ul * opts.clients + 1ul);
  return tell(opts, *run_recovery(opts), print_recovery_block, recovery_json);
}

int run(const std::monostate&) {
  return exit_setup_failed;
}

} // namespace

int main(int argc, char** argv) {
  auto cmd = parse_command_line(argc, argv);
  if (cmd.help) {
    std::fputs(usage(), stdout);
    return exit_clean;
  }
  if (!cmd.error.empty()) {
    std::fprintf(stderr, "atrium-bench: %s\n%s", cmd.error.c_str(), usage());
    return exit_setup_failed;
  }
  return std::visit([](const auto& opts) { return run(opts); }, cmd.workload);
}
