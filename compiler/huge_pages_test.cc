#include "compiler/huge_pages.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

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

}  // namespace

TEST_CASE("huge pages: a large array is advised, its whole huge pages only") {
  const size_t bytes = 32u << 20;
  std::unique_ptr<char[]> array(new char[bytes]);
  flow::advise_huge_pages(array.get(), bytes);
  const char* middle = array.get() + bytes / 2;
  REQUIRE(!vm_flags_at(middle).empty());
  // The advice shows as the flag `hg` (the kernel records it even when huge pages are off).
  CHECK(vm_flags_at(middle).find(" hg ") != std::string::npos);
  // The bytes before the first 2 MiB boundary share their page with other memory: untouched.
  const auto begin = reinterpret_cast<uintptr_t>(array.get());
  if (begin % (2u << 20) != 0)
    CHECK(vm_flags_at(array.get()).find(" hg ") == std::string::npos);
}

TEST_CASE("huge pages: a small array is left alone") {
  const size_t bytes = flow::kHugePagesFromBytes - 4096;
  std::unique_ptr<char[]> array(new char[bytes]);
  flow::advise_huge_pages(array.get(), bytes);
  CHECK(vm_flags_at(array.get() + bytes / 2).find(" hg ") == std::string::npos);
}
