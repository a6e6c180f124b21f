#define CAF_SUITE publisher_order
#include <caf/test/unit_test.hpp>

#include "tools/bench/publisher_order.hpp"

using atrium::bench::publisher_order;

// Seqs are handed to publishers in turn: with 2 publishers, even seqs are publisher 0's.

CAF_TEST(gaps are not out of order) {
  publisher_order order{1, 2};
  for (std::uint64_t seq : {0, 1, 4, 9, 10, 21})
    CAF_CHECK(order.arrived(0, seq));
}

CAF_TEST(a step back within one publisher is out of order and keeps the mark) {
  publisher_order order{1, 2};
  CAF_CHECK(order.arrived(0, 4));
  CAF_CHECK(!order.arrived(0, 2));
  CAF_CHECK_EQUAL(order.latest(0, 2), 4u);
  CAF_CHECK(!order.arrived(0, 0));
  CAF_CHECK(order.arrived(0, 6));
}

CAF_TEST(publishers interleave freely) {
  publisher_order order{1, 2};
  CAF_CHECK(order.arrived(0, 9));  // publisher 1
  CAF_CHECK(order.arrived(0, 2));  // publisher 0: earlier than 9, but not 9's publisher
  CAF_CHECK(order.arrived(0, 4));
  CAF_CHECK(!order.arrived(0, 7)); // publisher 1 again, below 9
}

CAF_TEST(receivers are judged apart and a reset starts afresh) {
  publisher_order order{2, 1};
  CAF_CHECK(order.arrived(0, 5));
  CAF_CHECK(order.arrived(1, 3));
  CAF_CHECK(!order.arrived(1, 2));
  order.reset(0);
  CAF_CHECK(order.arrived(0, 1));
  CAF_CHECK(!order.arrived(1, 1)); // the other receiver keeps its mark
}
