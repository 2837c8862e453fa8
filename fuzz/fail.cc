// fuzz_fail (fuzz/target.h): a property broken is reported as loudly as a crash.
#include <cstdio>
#include <cstdlib>

#include "fuzz/target.h"

void fuzz_fail(const char* what) {
  std::fprintf(stderr, "fuzz: property broken: %s\n", what);
  std::abort();
}
