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

}  // namespace flow
