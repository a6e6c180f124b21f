// The one translation unit of client_tests that defines main().
#define CAF_SUITE client
#include <caf/test/unit_test_impl.hpp>
