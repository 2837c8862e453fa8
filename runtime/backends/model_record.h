#pragma once
// Recording model exchanges to files and answering from them later (docs/config.md, "Model API
// requests"). A recording is keyed by the request alone: the FNV-1a 64 hash of the API kind
// and the request as canonical JSON (keys sorted, no whitespace), plus an
// occurrence number counting identical requests from 1 within one client. So a run replays
// the same answers whatever order its parallel calls happen in, as long as it makes the same
// requests. Headers are never recorded: no API key reaches the disk.
#include <map>
#include <mutex>
#include <string>

namespace flow::rt {

struct RecordedAnswer {
  int status = 0;
  std::string body;
};

// The file name stem of a request: 16 hex digits of the hash, "-", the occurrence number.
std::string recording_name(const std::string& kind, const std::string& request_body,
                           int occurrence);

// Hands out occurrence numbers per identical request. Thread-safe.
class OccurrenceCounter {
 public:
  int next(const std::string& kind, const std::string& request_body);

 private:
  std::mutex mu_;
  std::map<std::string, int> seen_;
};

// Writes DIR/NAME.json (0600, never through a link, atomically): kind, the request body as
// sent, the answer's status and body. Refuses, with *error set, to write anything that
// contains `secret` (the API key) when it is not empty.
bool save_recording(const std::string& dir, const std::string& name, const std::string& kind,
                    const std::string& request_body, const RecordedAnswer& answer,
                    const std::string& secret, std::string* error);

// Reads DIR/NAME.json; false when there is none or it records a different request (a hash
// collision or a hand-edited file), with *error saying which.
bool load_recording(const std::string& dir, const std::string& name, const std::string& kind,
                    const std::string& request_body, RecordedAnswer* answer, std::string* error);

// How many recordings DIR holds (-1 when it cannot be read), for error messages.
int count_recordings(const std::string& dir);

}  // namespace flow::rt
