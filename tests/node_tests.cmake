# Registers Node test files (`<dir>/<name>.test.mjs`, Node's built-in runner, the official
# client from the root node_modules) as ctest tests `<label>_<name>` against the atrium binary.
function(atrium_node_tests label)
  find_program(NODE_EXECUTABLE node)
  if(NOT NODE_EXECUTABLE)
    message(STATUS "${label} tests disabled: node not found")
    return()
  endif()
  if(NOT TARGET atrium)
    message(STATUS "${label} tests disabled: no `atrium` target")
    return()
  endif()
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/node_modules/socket.io-client)
    message(WARNING "${label} tests need the Node packages: run `npm ci` in ${PROJECT_SOURCE_DIR}")
  endif()
  foreach(name IN LISTS ARGN)
    string(REPLACE "-" "_" test_name "${label}_${name}")
    add_test(NAME ${test_name}
             COMMAND ${NODE_EXECUTABLE} --test --test-reporter=spec
                     ${CMAKE_CURRENT_SOURCE_DIR}/${name}.test.mjs
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(${test_name} PROPERTIES
                         ENVIRONMENT "ATRIUM_BIN=$<TARGET_FILE:atrium>"
                         TIMEOUT 300
                         LABELS ${label})
  endforeach()
endfunction()
