#pragma once
// The run directory on disk (docs/runtime.md, "The run directory"): atomic file writes, the
// append-only event log, and reading both back for resume. Crash safety rests on two habits:
// state files are replaced atomically (temp file, fsync, rename, fsync the directory), and a
// step only counts as finished once its `done` event is in events.jsonl and fsynced.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/events.h"

#include "lang/read_file.h"  // the run store's readers use read_file

namespace flow::rt {

// Writes `content` to `path` via a temporary file in the same directory and rename(). With
// `durable`, fsyncs the file before the rename and the directory after it.
bool write_file_atomic(const std::string& path, const std::string& content, bool durable,
                       std::string* error);
// A plain write, not fsynced. For per-attempt prompt and output files, whose content the
// events vouch for by hash, so a torn file is detected rather than prevented. Both writers
// replace whatever is at `path` (never writing through a symlink or hard link) and create
// files 0600; on failure they remove what they wrote and say which file and why.
bool write_file(const std::string& path, const std::string& content, std::string* error);
// Creates missing directories 0700 (the run store holds prompts and outputs: private).
bool make_dirs(const std::string& path, std::string* error);

// "fnv1a64:" + 16 lower-case hex digits. Used to detect an output file that does not match
// its event (e.g. lost in a power failure); not a security measure.
std::string output_hash(const std::string& content);

// A sortable run id: UTC "YYYYMMDD-HHMMSS-xxxx" with 4 random hex digits.
std::string new_run_id();
std::string iso_time_now();  // UTC, ISO 8601 with milliseconds
int64_t unix_ms_now();

// Step names may contain '/' (gates); file names use '~' instead. Names longer than
// kMaxFileStem bytes are cut and end in "-" + 16 hex digits of a hash of the whole name, so
// every step file name stays within NAME_MAX (255) and distinct names stay distinct.
constexpr size_t kMaxFileStem = 200;
std::string file_safe(const std::string& step_name);

// The append-only event log of typed events (events.h; the JSON form is in event_json.cc).
// emit() stamps seq/ts/ms and buffers; commit() write()s the buffer
// at once (so a kill -9 loses nothing committed) and wakes a background thread that fdatasyncs
// (so the disk flush, which can take milliseconds, stays off the scheduler's path). sync()
// flushes synchronously; the destructor does too.
class EventLog {
 public:
  EventLog() = default;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog();
  // Opens (creating if needed) for appending; a truncated last line left by a crash is cut
  // off first so new lines start clean. `next_seq` continues the numbering.
  bool open(const std::string& path, int64_t next_seq, std::string* error);
  const Event& emit(EventBody event);  // the stamped event (valid until the next emit)
  bool commit(std::string* error);
  bool sync();
  int64_t started_ms() const { return start_ms_; }

 private:
  void sync_loop();

  int fd_ = -1;
  std::string path_;
  bool broken_ = false;  // a write failed: nothing more is written
  std::string broken_error_;
  std::thread syncer_;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool dirty_ = false, stop_ = false;
  int64_t seq_ = 1;
  int64_t start_ms_ = 0;
  std::string buffer_;
  Event last_;
};

// Reads events.jsonl, ignoring a truncated or garbled last line (a crash mid-write). A
// garbled line in the middle is reported as an error: the log was damaged, not cut short.
// A line that is JSON but damaged within (fields missing or of another type, a kind this
// version does not know) is read as event_json.cc says, not refused.
struct EventLogRead {
  bool ok = false;
  std::vector<Event> events;
  std::string error;
};
EventLogRead read_event_log(const std::string& path);
// The same, one event at a time, without holding them all (100k-step runs have 300k events).
bool scan_event_log(const std::string& path, const std::function<void(const Event&)>& each,
                    std::string* error);

// An exclusive advisory lock on DIR/lock, held for as long as a process runs the run. Lets
// `flow runs` tell a live run from a crashed one and keeps two resumes apart.
class RunLock {
 public:
  ~RunLock();
  bool try_lock(const std::string& run_dir);
  void release();

 private:
  int fd_ = -1;
};
bool run_is_locked(const std::string& run_dir);

}  // namespace flow::rt
