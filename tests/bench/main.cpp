// The one translation unit of bench_tests that defines main().
#define CAF_SUITE bench
#include <caf/test/unit_test_impl.hpp>
