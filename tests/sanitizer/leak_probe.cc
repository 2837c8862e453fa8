// Loses memory on purpose and exits 0: the test sanitizer.catches_swallowed_report runs it with
// its output thrown away, the way a test may run `flow`, and checks that the leak still fails
// the suite (tests/sanitizer/reports.sh finds the report file).
#include <cstdio>

namespace {

// Out of line, so that no pointer to the block is left in main's frame.
[[gnu::noinline]] void lose() {
  char* block = new char[4096];
  block[0] = 1;
  asm volatile("" : : "r"(block) : "memory");  // the allocation is not optimized away
}

}  // namespace

int main() {
  lose();
  std::puts("leak_probe: lost 4096 bytes");
  return 0;
}
