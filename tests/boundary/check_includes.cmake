# The arrows of the boundary, read off the #include lines (cmake -DSOURCE_DIR=<repo> -P this):
#   net/ -> actors/boundary/ <- actors/, and net/ -> actors/ only in net/serve_server.cpp;
#   actors/boundary/ includes no CAF, no Beast/Asio, nothing of the actors or of net/.
# Exits non-zero listing every include that breaks them.

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository> -P check_includes.cmake")
endif()

set(glue "net/serve_server.cpp")
set(violations "")

# The include targets of `file`, one list entry each.
function(includes_of file out)
  file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  set(targets "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*$" "\\1" target "${line}")
    list(APPEND targets "${target}")
  endforeach()
  set(${out} "${targets}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE net_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/net/*.hpp" "${SOURCE_DIR}/net/*.cpp")
file(GLOB_RECURSE boundary_files RELATIVE "${SOURCE_DIR}"
     "${SOURCE_DIR}/actors/boundary/*.hpp" "${SOURCE_DIR}/actors/boundary/*.cpp")
if(NOT EXISTS "${SOURCE_DIR}/${glue}" OR NOT EXISTS "${SOURCE_DIR}/actors/boundary/connection.hpp")
  message(FATAL_ERROR "${glue} or actors/boundary/connection.hpp is missing: this check no "
                      "longer matches the layout it guards")
endif()

foreach(file IN LISTS net_files)
  if(file STREQUAL glue)
    continue()
  endif()
  includes_of("${file}" targets)
  foreach(target IN LISTS targets)
    if(target MATCHES "^actors/" AND NOT target MATCHES "^actors/boundary/")
      list(APPEND violations "${file}: #include \"${target}\" (net/ reaches the actors only through actors/boundary/ and ${glue})")
    endif()
  endforeach()
endforeach()

foreach(file IN LISTS boundary_files)
  includes_of("${file}" targets)
  foreach(target IN LISTS targets)
    if(target MATCHES "^(caf|boost)/")
      list(APPEND violations "${file}: #include <${target}> (the boundary carries no CAF and no Beast)")
    elseif(target MATCHES "^net/" OR (target MATCHES "^actors/" AND NOT target MATCHES "^actors/boundary/"))
      list(APPEND violations "${file}: #include \"${target}\" (the boundary points at neither side)")
    endif()
  endforeach()
endforeach()

list(LENGTH net_files net_count)
list(LENGTH boundary_files boundary_count)
if(violations)
  string(REPLACE ";" "\n  " listing "${violations}")
  message(FATAL_ERROR "boundary broken:\n  ${listing}")
endif()
message(STATUS "boundary holds: ${net_count} net/ files, ${boundary_count} actors/boundary/ files")
