#include "compiler/huge_pages.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/mman.h>

#include <catch2/catch.hpp>

namespace {

// The VmFlags of the mapping that holds `address`, from /proc/self/smaps ("" if none).
std::string vm_flags_at(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= at && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line + " ";
    }
  }
  return "";
}

// A fresh anonymous mapping, so that no earlier advice on reused heap memory can show.
struct Mapping {
  explicit Mapping(size_t n) : bytes(n) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    data = static_cast<char*>(p);
  }
  ~Mapping() { munmap(data, bytes); }
  char* data = nullptr;
  size_t bytes = 0;
};

}  // namespace

TEST_CASE("huge pages: a large array is advised, its whole huge pages only") {
  // Starts 16 bytes into a mapping, as an array from malloc does.
  Mapping mapping(34u << 20);
  char* const array = mapping.data + 16;
  const size_t bytes = 32u << 20;
  flow::advise_huge_pages(array, bytes);
  const char* middle = array + bytes / 2;
  REQUIRE(!vm_flags_at(middle).empty());
  // The advice shows as the flag `hg` (the kernel records it even when huge pages are off).
  CHECK(vm_flags_at(middle).find(" hg ") != std::string::npos);
  // The bytes before the first 2 MiB boundary share that huge page with other memory.
  CHECK(vm_flags_at(array).find(" hg ") == std::string::npos);
}

TEST_CASE("huge pages: a small array is left alone") {
  const size_t bytes = flow::kHugePagesFromBytes - 4096;
  Mapping mapping(bytes);
  flow::advise_huge_pages(mapping.data, bytes);
  CHECK(vm_flags_at(mapping.data + bytes / 2).find(" hg ") == std::string::npos);
}

// A sanitizer's allocator replaces malloc's heap, so there nothing is reserved. gcc says so
// with __SANITIZE_ADDRESS__; clang 14 only through __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLOW_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FLOW_TEST_SANITIZED 1
#endif
#endif

TEST_CASE("huge pages: a reserved heap grows once and is advised, small requests are ignored") {
  CHECK(flow::reserve_huge_heap(flow::kHugePagesFromBytes - 1) == 0);
  const size_t bytes = size_t{64} << 20;
  const size_t grown = flow::reserve_huge_heap(bytes);
#ifdef FLOW_TEST_SANITIZED
  CHECK(grown == 0);
  return;
#endif
  REQUIRE(grown >= bytes);
  // The next block comes from the reserved region, which carries the advice.
  void* block = malloc(size_t{4} << 20);
  REQUIRE(block != nullptr);
  CHECK(vm_flags_at(static_cast<char*>(block) + (size_t{2} << 20)).find(" hg ") !=
        std::string::npos);
  free(block);
}
