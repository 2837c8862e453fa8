#pragma once
// A large array filled once from front to back (the nodes of a big flow's IR) would otherwise
// take one page fault per 4 KiB; transparent huge pages make it one per 2 MiB. Only the whole
// huge pages inside the array are advised, so nothing outside it changes, and memory the
// array never touches is never backed. Where huge pages are unavailable this does nothing.
#include <cstddef>

namespace flow {

inline constexpr size_t kHugePagesFromBytes = size_t{8} << 20;

// For arrays of at least kHugePagesFromBytes; smaller ones are left alone.
void advise_huge_pages(const void* data, size_t bytes);

// For a short-lived process about to build large trees (`flowc check` of a big file): grows
// the heap once by `bytes` and advises the whole huge pages in it, so that the syntax tree and
// the IR's many small blocks fill it with one page fault per 2 MiB instead of per 4 KiB. Until
// touched the memory is only reserved. It also changes malloc for the rest of the process:
// blocks up to 32 MiB come from the heap (not from mappings of their own) and freed memory is
// not handed back, which suits a process that exits when done. Does nothing below
// kHugePagesFromBytes or above 1 GiB; returns how far the heap grew (0 where it did not).
size_t reserve_huge_heap(size_t bytes);

}  // namespace flow
