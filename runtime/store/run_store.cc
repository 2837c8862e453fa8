#include "runtime/store/run_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>
#include <string_view>

#include "lang/text.h"

namespace flow::rt {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

// Creates `path` for writing, never through a link: whatever sits at `path` (a file, a symlink
// or a hard link an agent planted there) is unlinked first, and O_EXCL|O_NOFOLLOW refuse
// anything that appears in between. Run-store files are private: 0600 whatever the umask.
int create_private(const std::string& path) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd >= 0 || errno != EEXIST) return fd;  // the common case: a new file, one syscall
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return -1;
  return ::open(path.c_str(), flags, 0600);
}

namespace {

// Creates `path` anew (0600, never through a link), writes `content`, optionally fsyncs, and
// closes. On failure removes what it wrote, so no torn file looks like an output.
bool write_private(const std::string& path, const std::string& content, bool sync,
                   std::string* error) {
  int fd = create_private(path);
  if (fd < 0) {
    if (error) *error = errno_text("cannot create", path);
    return false;
  }
  bool ok = write_all(fd, content.data(), content.size());
  if (ok && sync) ok = ::fsync(fd) == 0;
  int saved = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    errno = saved;
    if (error) *error = errno_text("cannot write", path);
    ::unlink(path.c_str());
  }
  return ok;
}

}  // namespace

bool write_file_atomic(const std::string& path, const std::string& content, bool durable,
                       std::string* error) {
  std::string tmp = path + ".tmp";
  if (!write_private(tmp, content, durable, error)) return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    if (error) *error = errno_text("cannot rename into", path);
    ::unlink(tmp.c_str());
    return false;
  }
  if (durable) {
    int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return true;
}

bool write_file(const std::string& path, const std::string& content, std::string* error) {
  return write_private(path, content, false, error);
}

bool make_dirs(const std::string& path, std::string* error) {
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      if (error) *error = errno_text("cannot create directory", partial);
      return false;
    }
  }
  return true;
}

std::string output_hash(const std::string& content) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : content) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_time_now() {
  int64_t ms = unix_ms_now();
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string new_run_id() {
  time_t now = std::time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d%02d%02d-%04x", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rd() & 0xffff);
  return buf;
}

std::string file_safe(const std::string& step_name) {
  std::string s = step_name;
  for (char& c : s)
    if (c == '/') c = '~';
  if (s.size() <= kMaxFileStem) return s;
  // Too long for a file name once ".aN.iK.prompt.md" is added (NAME_MAX is 255 bytes): keep a
  // readable head, cut on a UTF-8 character boundary, and make it unique with a hash of the
  // whole name.
  std::string hash = output_hash(step_name).substr(8);  // 16 hex digits
  size_t keep = kMaxFileStem - hash.size() - 1;
  keep = text::utf8_boundary(s, keep);
  return s.substr(0, keep) + "-" + hash;
}

// --- EventLog --------------------------------------------------------------------------------

EventLog::~EventLog() {
  if (syncer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      stop_ = true;
    }
    sync_cv_.notify_one();
    syncer_.join();
  }
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void EventLog::sync_loop() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return dirty_ || stop_; });
    if (!dirty_) return;
    dirty_ = false;
    lock.unlock();
    ::fdatasync(fd_);  // everything written before this call is covered
    lock.lock();
    // At most one flush per 50 ms: a busy run would otherwise keep the disk flushing
    // back to back for little gain (kill -9 safety does not depend on it; see runtime.md).
    sync_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_; });
  }
}

bool EventLog::sync() { return fd_ >= 0 && !broken_ && ::fdatasync(fd_) == 0; }

bool EventLog::open(const std::string& path, int64_t next_seq, std::string* error) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *error = errno_text("cannot open", path);
    return false;
  }
  // Cut a partial last line so the next event does not get glued onto it.
  std::string content;
  if (read_file(path, &content) && !content.empty() && content.back() != '\n') {
    size_t keep = content.rfind('\n');
    keep = keep == std::string::npos ? 0 : keep + 1;
    if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) {
      *error = errno_text("cannot repair", path);
      return false;
    }
  }
  path_ = path;
  seq_ = next_seq;
  start_ms_ = unix_ms_now();
  syncer_ = std::thread([this] { sync_loop(); });
  return true;
}

const Event& EventLog::emit(EventBody body) {
  last_.seq = seq_++;
  last_.ts = iso_time_now();
  last_.ms = unix_ms_now() - start_ms_;
  last_.body = std::move(body);
  buffer_ += event_line(last_);
  buffer_ += '\n';
  return last_;
}

bool EventLog::commit(std::string* error) {
  if (buffer_.empty()) return true;
  if (broken_) {
    buffer_.clear();
    if (error) *error = broken_error_;
    return false;
  }
  off_t end = ::lseek(fd_, 0, SEEK_END);
  bool ok = write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
  if (!ok) {
    // A full disk can take half a line: cut it off again, so the log stays a sequence of whole
    // events, and write nothing more (a later, smaller write might fit and leave a gap).
    broken_error_ = path_ + ": cannot write: " + std::strerror(errno);
    broken_ = true;
    if (end >= 0 && ::ftruncate(fd_, end) != 0) {}
    if (error) *error = broken_error_;
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    dirty_ = true;
  }
  sync_cv_.notify_one();
  return true;
}

bool scan_event_log(const std::string& path, const std::function<void(const Event&)>& each,
                    std::string* error) {
  std::string content;
  if (!read_file(path, &content)) {
    *error = errno_text("cannot read", path);
    return false;
  }
  size_t pos = 0, line_no = 0;
  Event e;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string::npos) break;  // no newline: cut short by a crash, ignore
    std::string_view line(content.data() + pos, nl - pos);
    ++line_no;
    pos = nl + 1;
    if (line.empty()) continue;
    if (!parse_event_line(line, &e)) {
      if (pos >= content.size()) break;  // the last line, garbled by a crash: ignore
      *error = path + ":" + std::to_string(line_no) + ": damaged event line";
      return false;
    }
    each(e);
  }
  return true;
}

EventLogRead read_event_log(const std::string& path) {
  EventLogRead r;
  r.ok = scan_event_log(path, [&](const Event& e) { r.events.push_back(e); }, &r.error);
  if (!r.ok) r.events.clear();
  return r;
}

// --- RunLock ---------------------------------------------------------------------------------

RunLock::~RunLock() { release(); }

bool RunLock::try_lock(const std::string& run_dir) {
  std::string path = run_dir + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) return false;
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

void RunLock::release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool run_is_locked(const std::string& run_dir) {
  RunLock probe;
  if (probe.try_lock(run_dir)) return false;
  return access((run_dir + "/lock").c_str(), F_OK) == 0;
}

}  // namespace flow::rt
