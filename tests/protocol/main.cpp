// The one translation unit of protocol_tests that defines main().
#define CAF_SUITE protocol
#include <caf/test/unit_test_impl.hpp>
