#include "compiler/huge_pages.h"

#include <cstdint>

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

namespace flow {

void advise_huge_pages(const void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes < kHugePagesFromBytes) return;
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  // Advice only: a kernel without huge pages refuses it, and the array works as before.
  if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

size_t reserve_huge_heap(size_t bytes) {
#if defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
  if (bytes < kHugePagesFromBytes || bytes > (size_t{1} << 30)) return 0;
  constexpr int kHeapBlocksUpTo = 32 << 20;  // glibc's largest mmap threshold
  mallopt(M_MMAP_THRESHOLD, kHeapBlocksUpTo);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);  // or freeing the probe below would shrink it again
  const auto before = reinterpret_cast<uintptr_t>(sbrk(0));
  // Blocks taken until one no longer fits the heap's free top make malloc grow the heap, by
  // the block and the top pad: the one growth that reserves the whole region. (In a fresh
  // process the first block does it.)
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  void* probes[64];
  int taken = 0;
  while (taken < 64 && reinterpret_cast<uintptr_t>(sbrk(0)) == before) {
    if (!(probes[taken] = malloc(size_t{16} << 20))) break;
    ++taken;
  }
  mallopt(M_TOP_PAD, 128 << 10);  // glibc's default again, for any later growth
  const auto after = reinterpret_cast<uintptr_t>(sbrk(0));
  if (taken > 0 && after > before) {
    const auto grown_from = reinterpret_cast<uintptr_t>(probes[taken - 1]);
    advise_huge_pages(probes[taken - 1], after - grown_from);
  }
  while (taken > 0) free(probes[--taken]);
  return after > before ? after - before : 0;
#else
  (void)bytes;
  return 0;
#endif
}

}  // namespace flow
