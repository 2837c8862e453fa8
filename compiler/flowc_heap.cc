#include "compiler/flowc_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace flow {

namespace {

constexpr uint64_t kMinSourceBytes = 1 << 20;
constexpr uint64_t kBytesPerSourceByte = 80;
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
// Below malloc's mmap threshold, so it comes from the heap; kMaxSteps of them exceed any free
// top a short-lived process has before the heap must grow.
constexpr int kGrowStep = 96 << 10;
constexpr int kMaxSteps = 64;

}  // namespace

uint64_t total_file_bytes(const std::vector<std::string>& files) {
  uint64_t total = 0;
  for (const std::string& f : files) {
    struct stat st {};
    if (f != "-" && ::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
  }
  return total;
}

void reserve_heap_for(uint64_t source_bytes) {
  if (source_bytes < kMinSourceBytes) return;
  const uint64_t want = source_bytes * kBytesPerSourceByte;
  if (want > (uint64_t{1} << 40)) return;
  // malloc grows the heap by the request plus M_TOP_PAD; a trim threshold above that keeps it
  // from handing the free top back (and a new piece would lack the huge-page advice).
  mallopt(M_TOP_PAD, static_cast<int>(std::min<uint64_t>(want, 1u << 30)));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<uint64_t>(want * 2, 1u << 30)));
  auto* start = static_cast<char*>(sbrk(0));
  void* blocks[kMaxSteps] = {};
  int n = 0;
  while (n < kMaxSteps && static_cast<char*>(sbrk(0)) == start) blocks[n++] = std::malloc(kGrowStep);
  auto* end = static_cast<char*>(sbrk(0));
  const uintptr_t from = (reinterpret_cast<uintptr_t>(start) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t to = reinterpret_cast<uintptr_t>(end) & ~(kHugePage - 1);
  if (end != start && to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  for (int i = 0; i < n; ++i) std::free(blocks[i]);
  mallopt(M_TOP_PAD, 128 << 10);  // glibc's default, for any growth after this one
}

}  // namespace flow
