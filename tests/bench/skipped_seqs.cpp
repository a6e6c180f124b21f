#define CAF_SUITE skipped_seqs
#include <caf/test/unit_test.hpp>

#include "tools/bench/skipped_seqs.hpp"

using atrium::bench::skipped_seqs;

CAF_TEST(nothing skipped: every seq below the mark is a duplicate) {
  skipped_seqs s;
  CAF_CHECK(!s.take(0));
  CAF_CHECK(!s.take(7));
}

CAF_TEST(a skipped seq arrives once) {
  skipped_seqs s;
  s.skip(2, 5); // expected 2, got 5
  CAF_CHECK(!s.take(1));
  CAF_CHECK(!s.take(5));
  CAF_CHECK(s.take(3));
  CAF_CHECK(!s.take(3));
  CAF_CHECK(s.take(2));
  CAF_CHECK(s.take(4));
  CAF_CHECK(!s.take(2));
  CAF_CHECK(!s.take(4));
}

CAF_TEST(several gaps split and empty in any order) {
  skipped_seqs s;
  s.skip(1, 3);
  s.skip(5, 9);
  CAF_CHECK(!s.take(3));
  CAF_CHECK(!s.take(4));
  CAF_CHECK(s.take(6));
  CAF_CHECK(s.take(8));
  CAF_CHECK(s.take(5));
  CAF_CHECK(s.take(7));
  CAF_CHECK(s.take(2));
  CAF_CHECK(s.take(1));
  for (std::uint64_t seq = 0; seq < 10; ++seq)
    CAF_CHECK(!s.take(seq));
}
