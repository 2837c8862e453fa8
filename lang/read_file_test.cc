// The one file reader: whole files, and errors that name the file and say why.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "lang/read_file.h"

namespace {

std::string scratch_dir() {
  char tmpl[] = "/tmp/flow-read-file-XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  REQUIRE(dir != nullptr);
  return dir;
}

void write(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

TEST_CASE("read_file reads a whole file, NUL bytes and all") {
  std::string dir = scratch_dir(), path = dir + "/a.txt";
  std::string text(200000, 'x');
  text[7] = '\0';
  write(path, text);
  std::string got = "old content";
  std::string error;
  REQUIRE(flow::read_file(path, &got, &error));
  CHECK(got == text);
  CHECK(error.empty());
  write(path, "");
  REQUIRE(flow::read_file(path, &got));
  CHECK(got.empty());
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("read_file says which file it cannot read and why") {
  std::string dir = scratch_dir(), got, error;
  CHECK_FALSE(flow::read_file(dir + "/missing", &got, &error));
  CHECK(error == "cannot read '" + dir + "/missing': no such file or directory");
  CHECK_FALSE(flow::read_file(dir, &got, &error));
  CHECK(error == "cannot read '" + dir + "': is a directory");
  CHECK_FALSE(flow::read_file(dir + "/missing", &got));  // no error wanted: still false
  ::rmdir(dir.c_str());
}

TEST_CASE("read_file refuses a file over its size limit") {
  std::string dir = scratch_dir(), path = dir + "/big", got, error;
  write(path, std::string((size_t{1} << 20) + 1, 'y'));
  CHECK_FALSE(flow::read_file(path, &got, &error, size_t{1} << 20));
  CHECK(error == "cannot read '" + path + "': file is larger than 1 MiB");
  CHECK(flow::read_file(path, &got, &error, size_t{2} << 20));
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}
