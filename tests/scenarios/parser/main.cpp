// The one translation unit of scenario_parser_tests that defines main().
#define CAF_SUITE scenario_parser
#include <caf/test/unit_test_impl.hpp>
