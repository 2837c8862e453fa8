#include "compiler/flowc_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace flow {

namespace {

constexpr uint64_t kMinSourceBytes = 1 << 20;
constexpr uint64_t kBytesPerSourceByte = 80;
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
// Below malloc's mmap threshold, so these blocks come from the heap until its free top is used
// up and it must grow.
constexpr size_t kGrowStep = 96 << 10;

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
  // malloc first hands out the heap's free chunks, then its top; once more than the whole heap
  // (mallinfo2's arena) is asked for, it must have grown.
  const size_t most = mallinfo2().arena / kGrowStep + 2;
  std::vector<void*> blocks;
  while (blocks.size() < most && static_cast<char*>(sbrk(0)) == start)
    blocks.push_back(std::malloc(kGrowStep));
  auto* end = static_cast<char*>(sbrk(0));
  const uintptr_t from = (reinterpret_cast<uintptr_t>(start) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t to = reinterpret_cast<uintptr_t>(end) & ~(kHugePage - 1);
  if (end != start && to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  for (void* b : blocks) std::free(b);
  mallopt(M_TOP_PAD, 128 << 10);  // glibc's default, for any growth after this one
}

}  // namespace flow
