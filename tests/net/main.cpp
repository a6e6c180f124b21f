// The one translation unit of net_tests that defines main().
#define CAF_SUITE net
#include <caf/test/unit_test_impl.hpp>
