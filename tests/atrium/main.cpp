// The one translation unit of atrium_options_tests that defines main().
#define CAF_SUITE atrium
#include <caf/test/unit_test_impl.hpp>
