#pragma once

// The Admin UI's login: a password checked against a bcrypt hash ($2b$, also $2a$/$2y$) by
// libxcrypt's crypt_rn, Debian's libcrypt. bcrypt is slow on purpose (tens to hundreds of
// milliseconds a check), so checks run one at a time on a thread of their own, never on an
// actor's, and a bounded queue refuses at once what a guesser sends faster than that.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace atrium::app {

/// Whether `password` hashes to `hash` (compared in constant time). False for a password
/// holding a NUL byte (crypt would hash only what comes before it) and for a hash crypt
/// cannot use. Blocks for as long as bcrypt takes.
bool password_matches(std::string_view password, const std::string& hash);

/// What is wrong with `hash` as an admin password hash ("" when it is a bcrypt hash crypt
/// accepts). Never quotes the hash.
std::string bcrypt_hash_problem(const std::string& hash);

class password_checker {
public:
  /// `hash` must pass bcrypt_hash_problem (throws std::invalid_argument otherwise).
  explicit password_checker(std::string hash, std::size_t max_waiting = 16);
  ~password_checker(); // stop()
  password_checker(const password_checker&) = delete;
  password_checker& operator=(const password_checker&) = delete;

  /// `done(matches)` on the checker's thread; `done(false)` at once, on the caller's thread,
  /// when `max_waiting` checks already wait or the checker has stopped.
  void check(std::string password, std::function<void(bool)> done);
  /// Answers what still waits `false` and joins the thread. Idempotent.
  void stop();

private:
  void run();

  struct job {
    std::string password;
    std::function<void(bool)> done;
  };
  const std::string hash_;
  const std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> waiting_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace atrium::app
