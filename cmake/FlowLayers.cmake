# Include roots, one per layer (CONTRIBUTING.md, "Layers"). Every include is written from the
# project root ("ir/ir.h"), but no target is given the project root itself: each library
# gets a root generated in the build tree that holds only the headers it may use, as symbolic
# links to the real files, plus the roots of the libraries it links. Including a header of a
# higher layer then fails to compile with "No such file or directory" (ctest -R layers).
set(FLOW_INCLUDE_ROOTS ${PROJECT_BINARY_DIR}/include)

# flow_include_root(NAME DIR [HEADER...]): creates the root NAME, in which DIR (relative to the
# project root) is visible whole, or only the listed headers of it. Sets FLOW_ROOT_<NAME> to
# the root's path for target_include_directories.
function(flow_include_root name dir)
  set(root ${FLOW_INCLUDE_ROOTS}/${name})
  if(ARGN)
    file(MAKE_DIRECTORY ${root}/${dir})
    # Drop links of headers no longer listed, so the root holds exactly the list.
    file(GLOB old LIST_DIRECTORIES false ${root}/${dir}/*)
    if(old)
      file(REMOVE ${old})
    endif()
    foreach(header IN LISTS ARGN)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir}/${header} ${root}/${dir}/${header} SYMBOLIC)
    endforeach()
  else()
    get_filename_component(parent ${root}/${dir} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
  endif()
  set(FLOW_ROOT_${name} ${root} PARENT_SCOPE)
endfunction()

# lang/'s plain-text helpers (UTF-8, edit distance, colour choice), shared with the runtime;
# not the parser.
flow_include_root(text lang color.h text.h suggest.h read_file.h)
flow_include_root(lang lang)
# The command-line helpers flowc and flow share (CLI11); they see only the text helpers.
flow_include_root(cli cli)
# The IR and what reads, writes and checks it: all the runtime sees of the compiler.
flow_include_root(ir ir)
flow_include_root(compiler compiler)
flow_include_root(runtime runtime)
# The `flow` executable's commands, above the runtime.
flow_include_root(commands commands)
