// flowc's huge-page heap: checked in a child process, since it changes malloc's settings, by
// reading the kernel's own record of the heap mapping (/proc/self/smaps, flag `hg`).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <string>

#include "compiler/flowc_heap.h"

namespace {

// Whether a piece of the heap carries the kernel's huge-page advice flag (advice on part of
// the heap splits it into several mappings, each named [heap]).
bool heap_has_hugepage_advice() {
  std::ifstream smaps("/proc/self/smaps");
  bool in_heap = false;
  for (std::string line; std::getline(smaps, line);) {
    bool header = !line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
                  line.find('-') < line.find(' ');
    if (header) in_heap = line.find("[heap]") != std::string::npos;
    if (in_heap && line.rfind("VmFlags:", 0) == 0 && (line + " ").find(" hg ") != std::string::npos)
      return true;
  }
  return false;
}

// Runs reserve_heap_for(bytes) in a child; its exit status is 1 when the heap got the advice.
int child_heap_advised(uint64_t bytes) {
  pid_t pid = fork();
  if (pid == 0) {
    flow::reserve_heap_for(bytes);
    _exit(heap_has_hugepage_advice() ? 1 : 0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("a large source gets a heap advised to use huge pages; a small one does not") {
  CHECK(child_heap_advised(4u << 20) == 1);
  CHECK(child_heap_advised(100u << 10) == 0);
}

TEST_CASE("total_file_bytes counts regular files only") {
  CHECK(flow::total_file_bytes({FLOW_SOURCE_DIR "/compiler/flowc_heap.h", "-", "/nonexistent"}) ==
        static_cast<uint64_t>(std::ifstream(FLOW_SOURCE_DIR "/compiler/flowc_heap.h",
                                            std::ios::ate | std::ios::binary)
                                  .tellg()));
}
