#include "lang/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace flow {
namespace {

bool read_failed(const std::string& path, std::string why, std::string* error) {
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  if (error) *error = "cannot read '" + path + "': " + why;
  return false;
}

}  // namespace

bool read_file(const std::string& path, std::string* content, std::string* error,
               size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_failed(path, std::strerror(errno), error);
  struct stat st {};
  // A directory opens for reading but read() fails with EISDIR; say it plainly.
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return read_failed(path, "is a directory", error);
  }
  content->clear();
  if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= max_bytes)
    content->reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return read_failed(path, std::strerror(err), error);
    }
    if (n == 0) break;
    content->append(buf, static_cast<size_t>(n));
    if (content->size() > max_bytes) {
      ::close(fd);
      return read_failed(path, "file is larger than " + std::to_string(max_bytes >> 20) + " MiB",
                         error);
    }
  }
  ::close(fd);
  return true;
}

}  // namespace flow
