#pragma once
// Huge pages for the heap of a large `flowc check` (bench/README.md, "Compiler").
#include <cstdint>
#include <string>
#include <vector>

namespace flow {

// The bytes of the named files that exist (standard input and unreadable files count 0).
uint64_t total_file_bytes(const std::vector<std::string>& files);

// For sources of at least a megabyte: grows the heap at once by about as much as checking
// them touches (some 80 bytes of syntax tree and IR per source byte) and asks the kernel to
// back that range with transparent huge pages. A 100k-step flow touches ~280 MB, which in
// 4 KiB pages is 70,000 page faults, a quarter of the CPU time; in 2 MiB pages it is a few
// hundred. Only a hint: when the heap cannot grow in one piece, nothing changes.
void reserve_heap_for(uint64_t source_bytes);

}  // namespace flow
