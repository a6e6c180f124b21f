#define CAF_SUITE password_check
#include <caf/test/unit_test.hpp>

#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/atrium/password_check.hpp"

using namespace atrium::app;

namespace {

// Made by python3's crypt (libxcrypt), cost 4, for the password "open sesame".
const std::string hash_2b = "$2b$04$n/sYW87wML9rp29bgKwuOuSjwAZb851tg7U07Wrbu1EwMyq7v.F6q";
const std::string hash_2a = "$2a$04$abcdefghijklmnopqrstuu/LVz6MZlItEy42I2juLihZ66HnQx/cy";

} // namespace

CAF_TEST(the right password matches and nothing else does) {
  CAF_CHECK(password_matches("open sesame", hash_2b));
  CAF_CHECK(password_matches("open sesame", hash_2a));
  for (std::string wrong : {"", "open sesame ", "Open sesame", "open sesam", "x"})
    CAF_CHECK(!password_matches(wrong, hash_2b));
  // crypt sees C strings: what follows a NUL would be ignored, so such a password never matches.
  CAF_CHECK(!password_matches(std::string{"open sesame\0more", 16}, hash_2b));
  // One character of the hash changed: no match, whatever the password.
  auto tampered = hash_2b;
  tampered.back() = tampered.back() == 'q' ? 'r' : 'q';
  CAF_CHECK(!password_matches("open sesame", tampered));
}

CAF_TEST(only bcrypt hashes crypt can use are taken) {
  CAF_CHECK_EQUAL(bcrypt_hash_problem(hash_2b), "");
  CAF_CHECK_EQUAL(bcrypt_hash_problem(hash_2a), "");
  for (std::string bad : {std::string{}, std::string{"open sesame"},
                          std::string{"$6$salt$abcdefghijklmnopqrstuvwxyz"},
                          hash_2b.substr(0, 59), hash_2b + "x",
                          "$2b$99$" + hash_2b.substr(7), "$2b$04$" + std::string(53, '!')})
    CAF_CHECK_NOT_EQUAL(bcrypt_hash_problem(bad), "");
  CAF_CHECK_EQUAL(bcrypt_hash_problem("open sesame").find("open sesame"), std::string::npos);
}

CAF_TEST(the checker answers every request once and refuses past its queue) {
  password_checker checker{hash_2b, 2};
  std::vector<std::promise<bool>> answers(40);
  std::vector<std::future<bool>> results;
  for (auto& p : answers)
    results.push_back(p.get_future());
  for (std::size_t i = 0; i < answers.size(); ++i)
    checker.check(i % 2 == 0 ? "open sesame" : "wrong", [&p = answers[i]](bool ok) {
      p.set_value(ok);
    });
  std::size_t matched = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    bool ok = results[i].get(); // a promise set twice would have thrown
    CAF_CHECK(i % 2 == 0 || !ok);
    matched += ok;
  }
  // At most two wait at once: some of 40 sent at once were refused, the first one never.
  CAF_CHECK_GREATER(matched, 0u);
  CAF_CHECK_LESS(matched, 20u);
  checker.stop();
  std::promise<bool> late;
  checker.check("open sesame", [&](bool ok) { late.set_value(ok); });
  CAF_CHECK(!late.get_future().get());
  bool refused = false;
  try {
    password_checker bad{"not a hash"};
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CAF_CHECK(refused);
}
