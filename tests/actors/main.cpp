// The one translation unit of actors_tests that defines main().
#define CAF_SUITE actors
#include <caf/test/unit_test_impl.hpp>
