#include "tools/atrium/password_check.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace atrium::app {

namespace {

/// crypt_rn's answer for `password` with `setting` (a whole hash works as its own setting), or
/// "" when crypt refuses it. The result of crypt always starts with the setting's prefix, and
/// libxcrypt writes a string starting with '*' for a failure instead of returning null.
std::string crypt_of(std::string_view password, const std::string& setting) {
  // struct crypt_data is 32 KiB: on the heap, not the checker's stack.
  auto data = std::make_unique<crypt_data>();
  std::string pw{password};
  const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  OPENSSL_cleanse(pw.data(), pw.size());
  std::string result = out && out[0] != '*' ? std::string{out} : std::string{};
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return result;
}

} // namespace

std::string bcrypt_hash_problem(const std::string& hash) {
  bool bcrypt_prefix = hash.size() == 60 && hash[0] == '$' && hash[1] == '2'
                       && (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
  if (!bcrypt_prefix)
    return "not a bcrypt hash (60 characters starting with $2b$)";
  if (crypt_of("", hash).size() != hash.size())
    return "a bcrypt hash this libcrypt cannot use";
  return {};
}

bool password_matches(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos)
    return false;
  auto computed = crypt_of(password, hash);
  // The lengths are equal for any well-formed hash; only the contents are secret.
  return computed.size() == hash.size()
         && CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

password_checker::password_checker(std::string hash, std::size_t max_waiting)
  : hash_(std::move(hash)), max_waiting_(max_waiting) {
  if (auto problem = bcrypt_hash_problem(hash_); !problem.empty())
    throw std::invalid_argument(problem);
  thread_ = std::thread{[this] { run(); }};
}

password_checker::~password_checker() {
  stop();
}

void password_checker::check(std::string password, std::function<void(bool)> done) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!stopping_ && waiting_.size() < max_waiting_) {
      waiting_.push_back(job{std::move(password), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  OPENSSL_cleanse(password.data(), password.size());
  done(false);
}

void password_checker::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void password_checker::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty())
      return; // stopping, nothing left
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    bool stopping = stopping_;
    lock.unlock();
    bool ok = !stopping && password_matches(next.password, hash_);
    OPENSSL_cleanse(next.password.data(), next.password.size());
    next.done(ok);
    lock.lock();
  }
}

} // namespace atrium::app
