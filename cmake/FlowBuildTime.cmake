# Build time (bench/README.md, "Build time"). Most of a clean build went into parsing the same
# third-party headers again in every file: Catch2 in each test file, nlohmann/json in most of
# runtime/. flow_precompile() has a target parse them once, into a precompiled header.
option(FLOW_PCH "Precompile the heavy third-party headers of each target" ON)

# ccache uses a file built with a precompiled header only with these settings (ccache manual,
# "Precompiled headers"); without them every such file would miss the cache.
if(FLOW_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache$")
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

# Unity builds: a target's files are compiled a batch at a time, each batch one translation
# unit, so Catch2, nlohmann/json, fmt, CLI11, PEGTL and the standard library are parsed, and
# their templates compiled, once per batch instead of once per file. Libraries, tools and test
# binaries alike. Off for quick edit-compile cycles, where rebuilding one small file beats
# rebuilding its whole batch: configure with -DFLOW_UNITY_BUILD=OFF.
option(FLOW_UNITY_BUILD "Compile the files of each target in batches (unity build)" ON)
set(FLOW_UNITY_BATCH_SIZE 8 CACHE STRING "Files per translation unit in a unity build")

# flow_unity(TARGET): files of TARGET that must not share a translation unit carry
# SKIP_UNITY_BUILD_INCLUSION with a comment saying why.
function(flow_unity target)
  if(FLOW_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES
      UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${FLOW_UNITY_BATCH_SIZE})
  endif()
endfunction()

# flow_precompile(TARGET HEADER...): headers written "<like/this.hpp>". Only third-party and
# standard headers: a project header in a precompiled header would hide a missing include.
# A target compiled as one batch parses the headers once anyway: a unity build precompiles
# only for a target of two batches or more; with FLOW_UNITY_BUILD off, every target does.
function(flow_precompile target)
  if(NOT FLOW_PCH)
    return()
  endif()
  if(FLOW_UNITY_BUILD)
    get_target_property(sources ${target} SOURCES)
    list(LENGTH sources count)
    math(EXPR batches "(${count} + ${FLOW_UNITY_BATCH_SIZE} - 1) / ${FLOW_UNITY_BATCH_SIZE}")
    if(batches LESS 2)
      return()
    endif()
  endif()
  target_precompile_headers(${target} PRIVATE ${ARGN})
endfunction()

# The tests' own code without optimisation or debug information. At -O2 -g, the optimiser
# (inlining Catch2's assertion macros and the std::string and JSON temporaries of each
# TEST_CASE) cost more than half of a test file's compile: at -O0 a unity batch of
# runtime_tests takes 40% of the CPU of -O2 -g, and -g adds 10 to 30% at -O0
# (bench/README.md, "Build time"). The libraries the tests link keep the build type's flags,
# so the tests still exercise optimised library code. To step through a test in a debugger,
# configure with -DFLOW_TESTS_O0=OFF (the build type's flags, -g included) or build type
# Debug, which this leaves alone. A sanitizer build (FLOW_SANITIZE) keeps its own flags for
# the tests too (CI's -O1): instrumented code runs much slower unoptimised.
option(FLOW_TESTS_O0 "Compile the tests' own files with -O0 -g0" ON)

# flow_test_code(TARGET...): targets whose files only the tests compile (the Catch2 test
# binaries, the fuzz targets' replay programs, the model API tests' driver).
function(flow_test_code)
  if(NOT FLOW_TESTS_O0 OR FLOW_SANITIZE OR CMAKE_BUILD_TYPE STREQUAL "Debug")
    return()
  endif()
  foreach(target IN LISTS ARGN)
    target_compile_options(${target} PRIVATE -O0 -g0)
  endforeach()
endfunction()
