// The one translation unit of boundary_tests that defines main().
#define CAF_SUITE boundary
#include <caf/test/unit_test_impl.hpp>
