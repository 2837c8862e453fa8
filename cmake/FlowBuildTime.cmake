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

# flow_precompile(TARGET HEADER...): headers written "<like/this.hpp>". Only third-party and
# standard headers: a project header in a precompiled header would hide a missing include.
function(flow_precompile target)
  if(FLOW_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()
