// Replays saved inputs through a fuzz target without libFuzzer, so that every input a target
// once failed on (tests/fuzz/regressions/<target>/) and the hand-written seeds
// (fuzz/seeds/<target>/) stay tested in any build, by any compiler. Arguments are files or
// directories (every regular file in one, in name order). Exits 1 when an argument cannot be
// read or names no input at all, so a moved directory fails instead of testing nothing.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/target.h"

namespace fs = std::filesystem;

namespace {

bool collect(const std::string& arg, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    files.emplace_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) {
    std::fprintf(stderr, "replay: cannot read '%s'\n", arg.c_str());
    return false;
  }
  std::vector<fs::path> found;
  for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) found.push_back(it->path());
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i)
    if (!collect(argv[i], files)) return 1;
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input given\n");
    return 1;
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read '%s'\n", file.c_str());
      return 1;
    }
    // Printed first, so the input a crash happened on is the last line of the output.
    std::printf("replay: %s\n", file.c_str());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("replay: %zu inputs, no failure\n", files.size());
  return 0;
}
